export { failureTimeline, writeFailure, writeReport } from "./files.js";
export type {
  Delivery,
  FleetCheck,
  FleetCoverage,
  FleetEvent,
  FleetEventKind,
  FleetFaultFamily,
  FleetFaults,
  FleetResult,
  FleetScenario,
  FleetStoreRecord,
  FleetTimeline,
  FleetUnsafe,
  FleetViolation,
  SimulateFleetOptions,
  SimulateFleetResult,
} from "./fleet/index.js";
export {
  decodeFleetTimeline,
  fleetChecks,
  fleetFaultFamilies,
  fleetScenarioNames,
  replayFleet,
  shrinkFleet,
  simulateFleet,
} from "./fleet/index.js";
export type { SimulateOptions, SimulateResult } from "./simulate.js";
export { decodeTimeline, REPRODUCE_RUNS, replay, shrinkTimeline, simulate } from "./simulate.js";
export type {
  BadCommand,
  BadNumber,
  FaultFamily,
  FaultPlan,
  FaultsOption,
  Histogram,
  HookName,
  HookThrow,
  HostileValue,
  IntervalFnDescriptor,
  Jitter,
  JobBehaviour,
  OverlapPolicy,
  ProgramDescriptor,
  ScenarioName,
  SimResult,
  SpawnLife,
  SpawnOptsDescriptor,
  Spec18BadCommand,
  Timeline,
  TimelineEvent,
  Violation,
} from "./types.js";
export { badCommands, faultFamilies, hostileValues, scenarioNames, spec18BadCommands } from "./types.js";
