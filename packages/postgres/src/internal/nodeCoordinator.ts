import type { ProgramSpec } from "@schedkit/kernel";
import { type Coordinator, createCoordinator } from "@schedkit/kernel/fleet";
import type { FleetRunnerOptions } from "../fleetRunner.js";

/** Inbox polling when the store announces commands: once a second per held shard. */
const LISTENING_INBOX_POLL = 1_000;

/**
 * The pure coordinator of one replica, from the runner's options: everything
 * but the store and the clock (the host's business) is the coordinator's.
 */
export const nodeCoordinator = (
  options: FleetRunnerOptions,
  node: { readonly nodeId: string; readonly session: string; readonly programs: readonly ProgramSpec[] },
): Coordinator => {
  const { store, clock: _clock, programs: _programs, retry: _retry, ...coordinatorOptions } = options;
  // A store that announces inbox commands (LISTEN/NOTIFY) wakes the owner at once: polling is only
  // the fallback for lost notices, so it can be rarer (a poll is a request per held shard).
  const listens = typeof (store as { listen?: unknown }).listen === "function";
  const inboxPollInterval = options.inboxPollInterval ?? (listens ? LISTENING_INBOX_POLL : undefined);
  return createCoordinator({
    ...coordinatorOptions,
    ...(inboxPollInterval === undefined ? {} : { inboxPollInterval }),
    ...node,
  });
};
