/** A program's hooks and options, and a spawn's (the program's, overridden by its options). */
import type { ProgramSpec, SpawnOptions } from "@schedkit/kernel";
import * as Cron from "effect/Cron";
import * as Result from "effect/Result";
import { cronMatcher } from "./cronMatch.js";
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

type CronMatcher = { ok: true; match: (wall: number) => number } | { ok: false; field: string };

/** The wall-clock matcher of a cron expression in a zone, or why it is refused. */
export const cronOf = (spec: ProgramSpec): CronMatcher => {
  for (const field of ["interval", "delay", "timeFn"] as const) {
    if (spec[field] !== undefined) return { ok: false, field: `program.${field}` };
  }
  if (typeof spec.cron !== "string" || spec.cron.trim() === "") return { ok: false, field: "program.cron" };
  const zone = spec.timezone ?? "UTC";
  // Parsing, and the matcher's answers, depend on the expression and the zone alone: they are
  // made once per pair and shared (by every install of it, in every model of this thread).
  const key = `${zone}\n${spec.cron}`;
  let known = matchers.get(key);
  if (known === undefined) {
    known = parseCron(spec.cron, zone);
    if (matchers.size >= CRON_MATCHERS) matchers.clear();
    matchers.set(key, known);
  }
  return known;
};

const parseCron = (expression: string, zone: string): CronMatcher => {
  if (Result.isFailure(Cron.parse("* * * * *", zone))) return { ok: false, field: "program.timezone" };
  const parsed = Cron.parse(expression, zone, { onDstOverlap: "earlier" });
  if (Result.isFailure(parsed)) return { ok: false, field: "program.cron" };
  const cron = parsed.success;
  // `Cron.next` is a pure function of the expression and the time, and it costs (a zone's
  // offsets are looked up each time): the spawns of a program, each spawn again (its next due
  // time, its jitter's gap) and each install ask it the same times. The answers are kept (a
  // throw is not: it is thrown again), up to a bound.
  const answers = new Map<number, number>();
  const nextMatch = cronMatcher(expression, zone, cron);
  return {
    ok: true,
    match: (wall) => {
      const known = answers.get(wall);
      if (known !== undefined) return known;
      const next = nextMatch(wall);
      if (answers.size >= CRON_ANSWERS) answers.clear();
      answers.set(wall, next);
      return next;
    },
  };
};

/** Matchers (by zone and expression) kept at most, and the answers one keeps at most. */
const CRON_MATCHERS = 256;
const CRON_ANSWERS = 4096;
const matchers = new Map<string, CronMatcher>();
