export type { SimulateOptions, SimulateResult } from "./simulate.js";
export { decodeTimeline, replay, shrinkTimeline, simulate } from "./simulate.js";
export type {
  FaultFamily,
  FaultPlan,
  FaultsOption,
  Histogram,
  Jitter,
  JobBehaviour,
  ProgramDescriptor,
  ScenarioName,
  SimResult,
  SpawnLife,
  Timeline,
  TimelineEvent,
  Violation,
} from "./types.js";
export { faultFamilies, scenarioNames } from "./types.js";
