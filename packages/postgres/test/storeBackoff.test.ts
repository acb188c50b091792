import type { ProgramSpec } from "@schedkit/kernel";
import { createModelStore, type Store } from "@schedkit/kernel/fleet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFleetRunner, type FleetRunnerEvent } from "../src/fleetRunner.js";
import { backoffSettings, StoreBackoff } from "../src/internal/storeBackoff.js";
import { VirtualClock } from "./support/virtualClock.js";

const OPTIONS = { shards: 4, leaseTtl: 3_000, renewInterval: 1_000, safetyMargin: 300 } as const;

describe("StoreBackoff", () => {
  it("failed - each round waits twice as long, between 75 % and 100 % of its step, up to maxDelay", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 30 }), (nodeId, rounds) => {
        const backoff = new StoreBackoff(backoffSettings({ initialDelay: 100, maxDelay: 2_000 }, {}, nodeId));
        let now = 0;
        for (let round = 1; round <= rounds; round++) {
          const verdict = backoff.failed(now, now, "down");
          const step = Math.min(2_000, 100 * 2 ** (round - 1));
          expect(verdict).toMatchObject({ advanced: true, attempt: round });
          expect(verdict.retryIn).toBeGreaterThanOrEqual(Math.max(100, step * 0.75));
          expect(verdict.retryIn).toBeLessThanOrEqual(step);
          expect(backoff.holding(now + verdict.retryIn - 1)).toBe(true);
          now += verdict.retryIn;
          expect(backoff.holding(now)).toBe(false);
        }
      }),
    );
  });

  it("failed - requests already under way when a round began do not advance it", () => {
    const backoff = new StoreBackoff(backoffSettings({ initialDelay: 100, maxDelay: 1_000 }, {}, "n0"));
    const first = backoff.failed(10, 0, "ECONNREFUSED");
    // Twenty requests sent before the first failure fail too: still the first round.
    for (let index = 0; index < 20; index++) expect(backoff.failed(11, 5, "ECONNREFUSED").advanced).toBe(false);
    expect(backoff.outage()).toMatchObject({ attempts: 1, since: 10, message: "ECONNREFUSED" });
    const second = backoff.failed(10 + first.retryIn, 10 + first.retryIn, "ECONNREFUSED");
    expect(second).toMatchObject({ advanced: true, attempt: 2 });
    expect(backoff.succeeded(500)).toEqual({ downFor: 490, attempts: 2 });
    expect(backoff.holding(500)).toBe(false);
    expect(backoff.succeeded(501)).toBeUndefined();
  });

  it("backoffSettings - bad retry options are coded errors naming the field", () => {
    expect(() => backoffSettings({ initialDelay: 0 }, {}, "n")).toThrow(
      expect.objectContaining({ field: "retry.initialDelay" }),
    );
    expect(() => backoffSettings({ maxDelay: Number.NaN }, {}, "n")).toThrow(
      expect.objectContaining({ field: "retry.maxDelay" }),
    );
    expect(() => backoffSettings({ initialDelay: 500, maxDelay: 100 }, {}, "n")).toThrow(
      expect.objectContaining({ code: "invalid-options", field: "retry.initialDelay" }),
    );
    expect(() => backoffSettings("fast" as never, {}, "n")).toThrow(expect.objectContaining({ field: "retry" }));
    expect(() => createFleetRunner({ store: createModelStore({ clock: () => 0 }), retry: { maxDelay: -1 } })).toThrow(
      expect.objectContaining({ code: "invalid-options", field: "retry.maxDelay" }),
    );
    // Defaults: 100 ms, doubling up to the renew interval (at most 5 s).
    expect(backoffSettings(undefined, { leaseTtl: 3_000, renewInterval: 1_000 }, "n")).toMatchObject({
      initialDelay: 100,
      maxDelay: 1_000,
    });
    expect(backoffSettings(undefined, {}, "n")).toMatchObject({ maxDelay: 10_000 / 3 });
    expect(backoffSettings(undefined, { leaseTtl: 60_000 }, "n")).toMatchObject({ maxDelay: 5_000 });
  });
});

/** The model store behind a switch: while `down`, every request fails at once, as a refused connection does. */
const switchable = (store: Store) => {
  const state = { down: false, attempts: 0, attemptsWhileDown: 0 };
  const wrapped: Store = {
    execute: async (request) => {
      state.attempts += 1;
      if (state.down) {
        state.attemptsWhileDown += 1;
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
      }
      return store.execute(request);
    },
  };
  return { state, store: wrapped };
};

describe("createFleetRunner - a store that goes away", () => {
  it("backoff - an outage is retried with growing waits, reported, paused at the lease deadline, and recovered", async () => {
    const clock = new VirtualClock();
    const model = createModelStore({ clock: () => clock.time });
    const { state, store } = switchable(model);
    const runs: { fireId: string; at: number }[] = [];
    const program: ProgramSpec = {
      id: "reports",
      interval: 100,
      mainFn: (_args: unknown, _t: number, ctx) => {
        runs.push({ fireId: ctx.fireId, at: clock.time });
        return "ok";
      },
    };
    const events: FleetRunnerEvent[] = [];
    const runner = createFleetRunner({ store, clock, nodeId: "n0", programs: [program], ...OPTIONS });
    runner.subscribe((event) => events.push(event));
    runner.start();
    await clock.advance(50);
    await clock.until(runner.spawn("reports"));
    await clock.advance(500);
    expect(runner.health()).toMatchObject({ status: "ok", shards: 4 });

    const downAt = clock.time;
    state.down = true;
    await clock.advance(150);
    // One failed round is not yet "degraded"; the first report is out.
    const firstReport = events.find((event) => event.type === "store-unreachable");
    expect(firstReport).toMatchObject({ attempt: 1, message: expect.stringContaining("ECONNREFUSED") });
    await clock.advance(8_000 - 150);
    const downFor = clock.time - downAt;

    // Backoff: a few dozen attempts in 8 s, not one per dispatch.
    expect(state.attemptsWhileDown).toBeGreaterThan(5);
    expect(state.attemptsWhileDown).toBeLessThan(150);
    const rounds = events.filter((event) => event.type === "store-unreachable");
    expect(rounds.map((event) => event.attempt)).toEqual(rounds.map((_, index) => index + 1));
    // The waits grow and stop at maxDelay (renewInterval, 1 s).
    const waits = rounds.map((event) => event.retryIn);
    expect(waits[1] ?? 0).toBeGreaterThan(waits[0] ?? 0);
    expect(Math.max(...waits)).toBeLessThanOrEqual(1_000);
    expect(waits.at(-1)).toBeGreaterThanOrEqual(750);

    // Guarantee 1: no job started once the lease deadline (from the last renewal's send) had passed.
    const lastRenewalSentBy = downAt;
    const deadline = lastRenewalSentBy + OPTIONS.leaseTtl - OPTIONS.safetyMargin;
    expect(runs.filter((run) => run.at >= deadline)).toEqual([]);
    const runsBeforeRecovery = runs.length;
    expect(events.some((event) => event.type === "paused")).toBe(true);
    const health = runner.health();
    expect(health.status).toBe("degraded");
    expect(health.reason).toMatch(/lease deadline/);
    expect(health.reason).toMatch(/failed \d+ times in a row/);

    state.down = false;
    await clock.advance(3_000);
    const reachable = events.find((event) => event.type === "store-reachable");
    expect(reachable).toMatchObject({ attempts: rounds.length });
    expect((reachable as { downFor: number }).downFor).toBeGreaterThanOrEqual(downFor - 1_000);
    expect(runner.health()).toMatchObject({ status: "ok", shards: 4 });
    // `health` events mark each change of status: degraded during the outage, ok after.
    expect(
      events.filter((event) => event.type === "health").map((event) => (event as { status: string }).status),
    ).toEqual(["degraded", "ok"]);
    // The schedule goes on; a fire runs twice only when its first run was cut off by the outage
    // (its completion never reached the store: at-least-once).
    expect(runs.slice(runsBeforeRecovery).filter((run) => run.at > clock.time - 1_000).length).toBeGreaterThan(5);
    const firstRun = new Map<string, number>();
    for (const run of runs) {
      const first = firstRun.get(run.fireId);
      if (first === undefined) firstRun.set(run.fireId, run.at);
      else expect(first, run.fireId).toBeLessThanOrEqual(downAt);
    }
    runner.kill();
  });
});
