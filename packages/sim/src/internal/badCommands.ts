/**
 * Malformed and hostile commands, built from their names. Each is meant to be
 * rejected (a few, such as a duplicate spawn id when no spawn is running, may
 * be accepted: the reference model decides the same). The same object goes to
 * the kernel and to the reference model: nothing in it counts its calls.
 */
import type { BadCommand } from "../types.js";
import { hostileValue, MAX_TIME } from "./hostile.js";

export interface BadContext {
  readonly at: number;
  readonly programId: string;
  /** A spawn id of the program the kernel reports running, if any. */
  readonly runningSpawnId: string | undefined;
  /** A job in flight, if any. */
  readonly inFlightJobId: string | undefined;
  /** A deterministic draw in [0, 1) for this command. */
  readonly draw: number;
  /** The program's type as the timeline installed it, if it did (spec 18's overlap refusals need a basic one). */
  readonly programType?: "basic" | "constant" | "cron" | undefined;
  /** A spawn id of the program that is stopping or stopped (the kernel's stopped history), if any. */
  readonly stoppedSpawnId?: string | undefined;
}

const mainFn = () => undefined;

const throwingGetter = <T extends object>(target: T, key: string): T => {
  Object.defineProperty(target, key, {
    enumerable: true,
    get: () => {
      throw hostileValue("throwing-message", `getter ${key}`);
    },
  });
  return target;
};

const badIntervals: readonly unknown[] = [Number.NaN, 0, -1, "100", Number.POSITIVE_INFINITY, MAX_TIME * 2, null];

const OK_ONE = { ok: true, value: 1 } as const;

/** A well-formed result for the job in flight, if any: a batch refused whole must leave it in flight. */
const inFlightResult = (context: BadContext) =>
  context.inFlightJobId === undefined ? [] : [{ jobId: context.inFlightJobId, outcome: OK_ONE }];

/** Builds the named bad command at `context.at`. */
export const badCommand = (name: BadCommand, context: BadContext): unknown => {
  const { at, programId } = context;
  switch (name) {
    case "unknown-type":
      return { type: "explode", at };
    case "bigint-type":
      return { type: 10n, at };
    case "circular-type": {
      const type: Record<string, unknown> = {};
      type.self = type;
      return { type, at };
    }
    case "nan-at":
      return { type: "tick", at: Number.NaN };
    case "infinity-at":
      return { type: "spawn", at: Number.POSITIVE_INFINITY, programId };
    case "huge-at":
      return { type: "tick", at: 1e300 };
    case "beyond-max-at":
      return { type: "spawn", at: MAX_TIME + 1_000, programId };
    case "unknown-key":
      return { type: "tick", at, extra: 1 };
    case "unknown-program":
      return { type: "spawn", at, programId: `${programId}-ghost` };
    case "unknown-spawn":
      return { type: "stop-spawn", at, programId, spawnId: "ghost-spawn" };
    case "job-0":
      return { type: "complete", at, jobId: "job-0", outcome: { ok: true, value: { n: 1, poison: false } } };
    case "job-01":
      return { type: "complete", at, jobId: "job-01", outcome: { ok: true, value: { n: 1, poison: false } } };
    case "job-never":
      return { type: "complete", at, jobId: "job-999999999", outcome: { ok: false, error: new Error("never") } };
    case "bad-outcome":
      return { type: "complete", at, jobId: context.inFlightJobId ?? "job-1", outcome: { ok: "yes", value: 1 } };
    case "batch-never":
      return {
        type: "complete",
        at,
        results: [...inFlightResult(context), { jobId: "job-999999999", outcome: OK_ONE }],
      };
    case "batch-bad-entry":
      return {
        type: "complete",
        at,
        results: [
          ...inFlightResult(context),
          { jobId: context.inFlightJobId ?? "job-1", outcome: { ok: true, error: "both" } },
        ],
      };
    case "batch-empty":
      return { type: "complete", at, results: [] };
    case "duplicate-spawn":
      return { type: "spawn", at, programId, opts: { spawnId: context.runningSpawnId ?? "sim-dup" } };
    case "bad-opts":
      return { type: "spawn", at, programId, opts: { intervall: 5 } };
    case "getter-opts":
      return { type: "spawn", at, programId, opts: throwingGetter({}, "interval") };
    case "bad-interval":
      return {
        type: "set-interval",
        at,
        programId,
        interval: badIntervals[Math.floor(context.draw * badIntervals.length)],
      };
    case "tiny-interval":
      // No progress: at 1.7e12 a tenth of a microsecond is lost in rounding, and MIN_VALUE everywhere.
      return { type: "spawn", at, programId, opts: { interval: at >= 1e12 ? 0.0001 : Number.MIN_VALUE } };
    case "trigger-beyond-max":
      return { type: "trigger", at, programId, scheduledAt: context.draw < 0.5 ? MAX_TIME * 2 : Number.NaN };
    case "spec-unknown-key":
      return { type: "install", at, program: { id: programId, interval: 100, mainFn, intervall: 5 } };
    case "spec-min-max":
      return { type: "install", at, program: { id: programId, interval: 100, min: 3, max: 2, mainFn } };
    case "spec-zero-interval":
      return { type: "install", at, program: { id: programId, interval: 0, mainFn } };
    case "spec-huge-interval":
      return { type: "install", at, program: { id: programId, interval: MAX_TIME * 2, mainFn } };
    case "spec-unknown-policy":
      return { type: "install", at, program: { id: programId, interval: 100, policy: "no-such-policy", mainFn } };
    case "spec-cron-never":
      return { type: "install", at, program: { id: programId, type: "cron", cron: "0 0 30 2 *", mainFn } };
    case "spec-cron-garbage":
      return { type: "install", at, program: { id: programId, type: "cron", cron: "61 * * * *", mainFn } };
    case "spec-no-main":
      return { type: "install", at, program: { id: programId, interval: 100 } };
    case "spec-throwing-create":
      return {
        type: "install",
        at,
        program: {
          id: programId,
          interval: 100,
          mainFn,
          createFn: () => {
            throw hostileValue(context.draw < 0.5 ? "null-proto" : "throwing-to-string", "createFn");
          },
        },
      };
    case "spec-getter":
      return { type: "install", at, program: throwingGetter({ id: programId, mainFn }, "interval") };
    // Spec 18.
    case "spec-basic-overlap":
      return { type: "install", at, program: { id: programId, interval: 100, overlap: "skip", mainFn } };
    case "spec-bad-overlap":
      return {
        type: "install",
        at,
        program: { id: programId, type: "constant", interval: 100, overlap: "never", mainFn },
      };
    case "spec-zero-buffer-limit":
      return {
        type: "install",
        at,
        program: { id: programId, type: "constant", interval: 100, overlap: "buffer-all", bufferLimit: 0, mainFn },
      };
    case "spec-fractional-max-runs":
      return { type: "install", at, program: { id: programId, interval: 100, maxRuns: 1.5, mainFn } };
    case "spec-end-before-start":
      return {
        type: "install",
        at,
        program: { id: programId, interval: 100, startAt: at + 100, endAt: at + 100, mainFn },
      };
    case "spec-nan-start":
      return { type: "install", at, program: { id: programId, interval: 100, startAt: Number.NaN, mainFn } };
    case "opts-basic-overlap":
      // A basic program refuses any overlap but "allow"; another program, a value that is no policy.
      return {
        type: "spawn",
        at,
        programId,
        opts: { overlap: context.programType === "basic" ? "buffer-one" : "sometimes" },
      };
    case "opts-zero-max-runs":
      return { type: "spawn", at, programId, opts: { maxRuns: 0 } };
    case "opts-end-before-start":
      return { type: "spawn", at, programId, opts: { startAt: at + 100, endAt: at + 50 } };
    case "opts-huge-end":
      return {
        type: "spawn",
        at,
        programId,
        opts: { endAt: context.draw < 0.5 ? MAX_TIME * 2 : Number.NEGATIVE_INFINITY },
      };
    case "pause-unknown-program":
      return { type: "pause", at, programId: `${programId}-ghost` };
    case "pause-unknown-spawn":
      return { type: "pause", at, programId, spawnId: "ghost-spawn", note: "ghost" };
    case "pause-stopped-spawn":
      return { type: "pause", at, programId, spawnId: context.stoppedSpawnId ?? "ghost-spawn" };
    case "pause-bad-note":
      return { type: "pause", at, programId, note: context.draw < 0.5 ? 42 : { text: "note" } };
    case "resume-unknown-spawn":
      return { type: "resume", at, programId, spawnId: "ghost-spawn" };
  }
};
