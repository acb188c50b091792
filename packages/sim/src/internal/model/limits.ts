/**
 * Spec 18's limits and dates, as the reference model reads them: the field rules of
 * `overlap`, `bufferLimit`, `maxRuns`, `startAt` and `endAt` (program fields and spawn
 * options alike), the checks across fields that come after every field's own
 * (`overlap` on a basic program, `endAt` not after `startAt`), and where a spawn's
 * schedule starts from.
 */
import { type Limits18, limitsOf, type Overlap, overlaps } from "./spec18.js";

/** A time within ±8.64e15 ms (as `inputs.ts` has it; not imported, to keep the modules acyclic). */
const isTime = (value: unknown): boolean =>
  typeof value === "number" && value >= -8_640_000_000_000_000 && value <= 8_640_000_000_000_000;
const isWholeAtLeastOne = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1;

/** The field rules, appended to the program's and the spawn options' own (same shape as `inputs.ts`'s). */
export const limitRules: readonly (readonly [name: string, required: boolean, valid: (value: unknown) => boolean])[] = [
  ["overlap", false, (value) => overlaps.includes(value as Overlap)],
  ["bufferLimit", false, isWholeAtLeastOne],
  ["maxRuns", false, isWholeAtLeastOne],
  ["startAt", false, isTime],
  ["endAt", false, isTime],
  ["jitter", false, (value) => typeof value === "number" && value >= 0 && value <= 8_640_000_000_000_000],
];

export interface Refusal {
  readonly field: string;
  readonly message: string;
}

const basicNeverOverlaps = (root: string, overlap: Overlap): Refusal => ({
  field: `${root}.overlap`,
  message: `overlap "${overlap}" is for constant and cron programs: basic programs never overlap (the next job is scheduled when the previous one completed)`,
});

const endNotAfterStart = (root: string, startAt: number, endAt: number): Refusal => ({
  field: `${root}.endAt`,
  message: `endAt ${endAt} must be after startAt ${startAt}`,
});

/** A program's limits, once each field is valid on its own: refused across fields, or fine. */
export const checkProgramLimits = (type: "basic" | "constant" | "cron", spec: unknown): Refusal | undefined => {
  const limits = limitsOf(spec);
  if (type === "basic" && limits.overlap !== undefined && limits.overlap !== "allow") {
    return basicNeverOverlaps("program", limits.overlap);
  }
  if (limits.startAt !== undefined && limits.endAt !== undefined && !(limits.endAt > limits.startAt)) {
    return endNotAfterStart("program", limits.startAt, limits.endAt);
  }
  return undefined;
};

/** A spawn's options against its program: `overlap` on a basic program, the merged dates. */
export const checkSpawnLimits = (
  type: "basic" | "constant" | "cron",
  program: Limits18,
  opts: unknown,
): Refusal | undefined => {
  const own = limitsOf(opts);
  if (type === "basic" && own.overlap !== undefined && own.overlap !== "allow") {
    return basicNeverOverlaps("opts", own.overlap);
  }
  const startAt = own.startAt ?? program.startAt;
  const endAt = own.endAt ?? program.endAt;
  if (startAt !== undefined && endAt !== undefined && !(endAt > startAt)) {
    // The field the options set: their endAt, else their startAt (against the program's endAt).
    const refusal = endNotAfterStart("opts", startAt, endAt);
    return own.endAt === undefined ? { ...refusal, field: "opts.startAt" } : refusal;
  }
  return undefined;
};

/** The limits a spawn runs with: its options', else its program's. */
export const mergeLimits = (program: Limits18, opts: unknown): Required<Pick<Limits18, "overlap">> & Limits18 => {
  const own = limitsOf(opts);
  const pick = <K extends keyof Limits18>(key: K): Limits18[K] => own[key] ?? program[key];
  const bufferLimit = pick("bufferLimit");
  const maxRuns = pick("maxRuns");
  const startAt = pick("startAt");
  const endAt = pick("endAt");
  const jitter = pick("jitter");
  return {
    overlap: pick("overlap") ?? "allow",
    ...(bufferLimit === undefined ? {} : { bufferLimit }),
    ...(maxRuns === undefined ? {} : { maxRuns }),
    ...(startAt === undefined ? {} : { startAt }),
    ...(endAt === undefined ? {} : { endAt }),
    ...(jitter === undefined ? {} : { jitter }),
  };
};

/** Where a spawn made at `now` counts its schedule from: `max(now, startAt)`. */
export const scheduleBase = (now: number, startAt: number | undefined): number =>
  startAt === undefined ? now : Math.max(now, startAt);
