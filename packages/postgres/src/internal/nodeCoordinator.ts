import type { ProgramSpec } from "@schedkit/kernel";
import { type Coordinator, createCoordinator } from "@schedkit/kernel/fleet";
import type { FleetRunnerOptions } from "../fleetRunner.js";

/**
 * The pure coordinator of one replica, from the runner's options: everything
 * but the store and the clock (the host's business) is the coordinator's.
 */
export const nodeCoordinator = (
  options: FleetRunnerOptions,
  node: { readonly nodeId: string; readonly session: string; readonly programs: readonly ProgramSpec[] },
): Coordinator => {
  const { store: _store, clock: _clock, programs: _programs, retry: _retry, ...coordinatorOptions } = options;
  return createCoordinator({ ...coordinatorOptions, ...node });
};
