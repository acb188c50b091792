import type { Clock, ProgramSpec } from "@schedkit/kernel";
import { createModelStore } from "@schedkit/kernel/fleet";
import { createFleetRunner, type FleetRunner, type FleetRunnerEvent } from "@schedkit/postgres";
import FakeTimers from "@sinonjs/fake-timers";
import { instrument } from "../../src/index.js";
import { createTelemetry, T0, type Telemetry } from "./telemetry.js";

export const SHARDS = 4;
const OPTIONS = {
  shards: SHARDS,
  leaseTtl: 3_000,
  renewInterval: 1_000,
  safetyMargin: 300,
  onJobError: false,
} as const;

export interface FleetNode {
  readonly runner: FleetRunner;
  readonly telemetry: Telemetry;
  /** Everything the replica's `subscribe` heard (its `run` events are the oracle of jobs run). */
  readonly events: FleetRunnerEvent[];
  /** Instruments the replica with its own providers (at creation unless `late`); returns the remover. */
  instrument(): () => void;
}

/**
 * Replicas of one fleet (4 shards, leases of 3 s renewed every second) on the model store, under
 * one fake clock at T0. The fleet runner takes a `Clock`, so the fake-timers clock is read through
 * one: monotonic and wall time are both its time. Each replica has its own providers, so what each
 * one reports can be told apart. Started together, n0 takes every shard and hands two over to n1,
 * one per renewal (n1 holds 1 at 3,000 ms and 2 from 4,000 ms).
 */
export const createTestFleet = (
  count: number,
  programs: (nodeId: string) => ProgramSpec[],
  options: { readonly late?: boolean } = {},
) => {
  const fake = FakeTimers.createClock(T0);
  const clock: Clock = {
    now: () => fake.now,
    wallNow: () => fake.now,
    setTimeout: (callback, ms) => fake.setTimeout(callback, ms),
    clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId),
  };
  const store = createModelStore({ clock: () => fake.now });
  const nodes: FleetNode[] = [];
  const removers: (() => void)[] = [];
  for (let index = 0; index < count; index++) {
    const nodeId = `n${index}`;
    const runner = createFleetRunner({ store, clock, nodeId, programs: programs(nodeId), ...OPTIONS });
    const telemetry = createTelemetry();
    const events: FleetRunnerEvent[] = [];
    runner.subscribe((event) => events.push(event));
    const node: FleetNode = {
      runner,
      telemetry,
      events,
      instrument: () => {
        const remove = instrument(runner, {
          tracerProvider: telemetry.tracerProvider,
          meterProvider: telemetry.meterProvider,
        });
        removers.push(remove);
        return remove;
      },
    };
    if (options.late !== true) node.instrument();
    nodes.push(node);
  }
  /** Moves fake time on until `promise` settles, in 10 ms steps (at most 20 s). */
  const until = async <T>(promise: Promise<T>): Promise<T> => {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    for (let waited = 0; !settled && waited < 20_000; waited += 10) await fake.tickAsync(10);
    return watched;
  };
  const dispose = async () => {
    for (const remove of removers) remove();
    for (const node of nodes) {
      node.runner.kill();
      await node.telemetry.shutdown();
    }
  };
  return { fake, store, nodes, until, dispose };
};

export const ownedShards = async (node: FleetNode) =>
  (await node.telemetry.collect()).sum("schedkit.fleet.shards.owned");
export const takeoversOf = async (node: FleetNode) => (await node.telemetry.collect()).sum("schedkit.fleet.takeovers");
export const runsOf = (node: FleetNode) =>
  node.events.filter((event): event is Extract<FleetRunnerEvent, { type: "run" }> => event.type === "run");
