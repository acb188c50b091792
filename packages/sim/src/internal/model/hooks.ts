/** A program's hooks and options, and a spawn's (the program's, overridden by its options). */
import type { ProgramSpec, SpawnOptions } from "@schedkit/kernel";
import * as Cron from "effect/Cron";
import * as Result from "effect/Result";
import { mergeLimits } from "./limits.js";
import { type Limits18, limitsOf } from "./spec18.js";
import type { Hooks } from "./state.js";
import { DEFAULT_WINDOW } from "./values.js";

export const hooksOf = (spec: ProgramSpec): Hooks => ({
  type: spec.type ?? "basic",
  delay: spec.delay,
  timeFn: spec.timeFn,
  argsFn: spec.argsFn,
  createFn: spec.createFn,
  mergeFn: spec.mergeFn,
  successFn: spec.successFn,
  errorFn: spec.errorFn,
  continueFn: spec.continueFn,
  misfire: spec.misfire ?? "catch-up",
  output: spec.output ?? "latest",
  catchUpWindow: (spec as { catchUpWindow?: number }).catchUpWindow ?? DEFAULT_WINDOW,
  ...limitHooks(limitsOf(spec), undefined),
});

/** The spec 18 part of a spawn's hooks: its options' limits, else its program's. */
export const limitHooks = (program: Limits18, opts: unknown) => {
  const merged = mergeLimits(program, opts);
  return {
    overlap: merged.overlap,
    bufferLimit: merged.bufferLimit,
    maxRuns: merged.maxRuns,
    startAt: merged.startAt,
    endAt: merged.endAt,
    jitter: merged.jitter ?? 0,
  };
};

export const overridden = (base: Hooks, limits: Limits18, opts: SpawnOptions | undefined): Hooks => ({
  type: base.type,
  delay: opts?.delay ?? base.delay,
  timeFn: opts?.timeFn ?? base.timeFn,
  argsFn: opts?.argsFn ?? base.argsFn,
  createFn: opts?.createFn ?? base.createFn,
  mergeFn: opts?.mergeFn ?? base.mergeFn,
  successFn: opts?.successFn ?? base.successFn,
  errorFn: opts?.errorFn ?? base.errorFn,
  continueFn: opts?.continueFn ?? base.continueFn,
  misfire: opts?.misfire ?? base.misfire,
  output: opts?.output ?? base.output,
  catchUpWindow: (opts as { catchUpWindow?: number } | undefined)?.catchUpWindow ?? base.catchUpWindow,
  ...limitHooks(limits, opts),
});

/** The wall-clock matcher of a cron expression in a zone, or why it is refused. */
export const cronOf = (
  spec: ProgramSpec,
): { ok: true; match: (wall: number) => number } | { ok: false; field: string } => {
  for (const field of ["interval", "delay", "timeFn"] as const) {
    if (spec[field] !== undefined) return { ok: false, field: `program.${field}` };
  }
  if (typeof spec.cron !== "string" || spec.cron.trim() === "") return { ok: false, field: "program.cron" };
  const zone = spec.timezone ?? "UTC";
  if (Result.isFailure(Cron.parse("* * * * *", zone))) return { ok: false, field: "program.timezone" };
  const parsed = Cron.parse(spec.cron, zone, { onDstOverlap: "earlier" });
  if (Result.isFailure(parsed)) return { ok: false, field: "program.cron" };
  const cron = parsed.success;
  return { ok: true, match: (wall) => Cron.next(cron, wall).getTime() };
};
