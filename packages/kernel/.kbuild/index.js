export { commandTypes } from "./Command.js";
export { createKernel, maxTime, restoreKernel } from "./Kernel.js";
export { effectsOf } from "./KernelEffect.js";
export { defineProgram } from "./Program.js";
export { createRunner, systemClock } from "./Runner.js";
export { isSchedkitError, SchedkitError } from "./SchedkitError.js";
