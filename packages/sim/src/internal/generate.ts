/**
 * The timeline generator's public module: the seeded timeline of a run and its fault plan.
 * The generator itself lives in `./timeline/` (scenarios, spec 18's draws, faults).
 */
export { planFaults } from "./timeline/faultPlan.js";
export { generateTimeline } from "./timeline/generateTimeline.js";
