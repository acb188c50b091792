/**
 * What every replica of the example fleet runs: the same programs and the same fleet options
 * (a fleet only works when all replicas agree on both). Shared by `replica.ts` and its test.
 */
import type { JobContext, ProgramSpec } from "@schedkit/kernel";

/**
 * Small lease timings, so a crash is visible within seconds: a dead replica's shards are taken
 * again within leaseTtl + renewInterval = 4 s of its last renewal. (The defaults are 10 s / 3.3 s.)
 * `safetyMargin` may be at most leaseTtl / 10.
 */
export const FLEET_OPTIONS = { shards: 6, leaseTtl: 3_000, renewInterval: 1_000, safetyMargin: 300 } as const;

/** The upper bound FLEET.md promises for a takeover after a crash (guarantee 5). */
export const TAKEOVER_BOUND = FLEET_OPTIONS.leaseTtl + FLEET_OPTIONS.renewInterval;

/** Every program has one spawn with this id: spawning it again is refused (`duplicate-spawn`), so it is safe to ask. */
export const SPAWN_ID = "main";

/** The schema the example's tables live in (`SCHEDKIT_SCHEMA` overrides it; the test uses a fresh one). */
export const DEFAULT_SCHEMA = "fleet_example";

export interface ExampleProgram {
  readonly id: string;
  /** Fixed-rate: due every `interval` ms on a grid, however long a job takes. */
  readonly interval: number;
  /** How long a job "works" (ms): long enough for a `kill -9` to catch some jobs in flight. */
  readonly work: number;
  readonly delivery: "at-least-once" | "at-most-once";
}

/**
 * Six programs on six shards, one each (the ids are chosen so: `shardOf(id, 6)` is 0 to 5, in this order),
 * so three replicas hold two shards each, and a dead replica's two are split between the others.
 * A real service keeps the default 64 shards, many more than programs.
 */
export const PROGRAMS: readonly ExampleProgram[] = [
  { id: "metrics", interval: 2_500, work: 100, delivery: "at-least-once" },
  { id: "report", interval: 3_000, work: 1_200, delivery: "at-least-once" },
  // An email must not go out twice: a digest in flight when its replica dies is reported lost, not sent again.
  { id: "send-digest", interval: 3_000, work: 800, delivery: "at-most-once" },
  { id: "invoices", interval: 3_000, work: 400, delivery: "at-least-once" },
  { id: "sync-orders", interval: 1_500, work: 300, delivery: "at-least-once" },
  { id: "heartbeat", interval: 2_000, work: 50, delivery: "at-least-once" },
];

/** What a job reports to the replica that runs it. */
export interface JobReport {
  readonly program: ExampleProgram;
  readonly ctx: JobContext;
  /** The fire's due time (epoch ms). */
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** The job was cancelled (its shard was lost, or the replica was killed): its work is not done. */
  readonly cancelled: boolean;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<boolean>((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve(false);
      },
      { once: true },
    );
  });

/**
 * The programs as specs. A job "works" for `work` ms (a real one would call an API, using
 * `ctx.fireId` as its idempotency key: an at-least-once fire can run twice, on two replicas)
 * and then tells `onJob`.
 */
export const programSpecs = (onJob: (report: JobReport) => void): ProgramSpec[] =>
  PROGRAMS.map((program) => ({
    id: program.id,
    type: "constant",
    interval: program.interval,
    delivery: program.delivery,
    // After a long pause of the whole fleet, run at most a minute of missed due times (the rest are reported `missed`).
    catchUpWindow: 60_000,
    mainFn: async (_args: unknown, scheduledAt: number, ctx: JobContext) => {
      const startedAt = Date.now();
      const done = await sleep(program.work, ctx.signal);
      onJob({ program, ctx, scheduledAt, startedAt, endedAt: Date.now(), cancelled: !done });
      if (!done) throw new Error("cancelled");
      return program.id;
    },
  }));
