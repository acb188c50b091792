export { systemClock } from "./runner/clock.js";
export { createRunner } from "./runner/runner.js";
