export type { SimulateFleetOptions, SimulateFleetResult } from "./simulateFleet.js";
export { replayFleet, shrinkFleet, simulateFleet } from "./simulateFleet.js";
export { decodeFleetTimeline } from "./timelineCheck.js";
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
} from "./types.js";
export { fleetChecks, fleetFaultFamilies, fleetScenarioNames } from "./types.js";
