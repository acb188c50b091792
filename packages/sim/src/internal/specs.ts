/**
 * Program specs and spawn options built from their descriptors. Hooks are
 * pure functions of their input, except the ones a descriptor makes count
 * their calls (function intervals, hooks that throw every n-th call): those
 * keep their counts in a `HookCounters`, one per side (kernel, model), so the
 * two implementations each see their own calls, and the engine can put the
 * counts back when it replays a step on a copy of the kernel.
 */
import type { Interval, ProgramSpec, SpawnOptions } from "@schedkit/kernel";
import type { HookName, HookThrow, IntervalFnDescriptor, ProgramDescriptor, SpawnOptsDescriptor } from "../types.js";
import { badNumber, hostileValue } from "./hostile.js";
import { simError } from "./simError.js";

/** Call counts of the counting hooks, by key. */
export class HookCounters {
  private counts = new Map<string, number>();
  private nextScope = 0;

  /** A new scope for one spec or one set of options (each install, each spawn). */
  scope(label: string): string {
    return `${label}#${++this.nextScope}`;
  }

  bump(key: string): number {
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count;
  }

  save(): { readonly counts: Map<string, number>; readonly nextScope: number } {
    return { counts: new Map(this.counts), nextScope: this.nextScope };
  }

  restore(saved: { readonly counts: Map<string, number>; readonly nextScope: number }): void {
    this.counts = new Map(saved.counts);
    this.nextScope = saved.nextScope;
  }
}

export interface JobValue {
  readonly n: number;
  readonly poison: boolean;
}

export interface SimState {
  count: number;
  sum: number;
}

const alignTo = (align: number) => (t: number) => Math.floor(t / align) * align;
const continueUntil = (stopAfter: number) => (props: { completed: number }) => props.completed < stopAfter;
export const mergeSimState = (state: SimState, output: JobValue | undefined): SimState => {
  if (output === undefined) return state;
  if (output.poison) throw simError("mergeFn failed on a poisoned output");
  return { count: state.count + 1, sum: state.sum + output.n };
};

/** A function interval: call k gives values[(k - 1) % length], or throws when throwEvery divides k. */
export const intervalFnOf = (descriptor: IntervalFnDescriptor, counters: HookCounters, scope: string): Interval => {
  const key = `${scope}:interval`;
  return () => {
    const call = counters.bump(key);
    if (descriptor.throwEvery !== undefined && call % descriptor.throwEvery === 0) {
      throw hostileValue(descriptor.thrown ?? "error", `interval call ${call}`);
    }
    const values = descriptor.values;
    const value = values.length === 0 ? 100 : values[(call - 1) % values.length];
    return badNumber(value ?? 100) as number;
  };
};

/** Wraps a hook so that it throws on every `every`-th call. */
const throwing = <A extends unknown[], R>(
  name: HookName,
  rule: HookThrow | undefined,
  counters: HookCounters,
  scope: string,
  hook: (...args: A) => R,
): ((...args: A) => R) => {
  if (rule === undefined) return hook;
  const key = `${scope}:${name}`;
  return (...args: A): R => {
    const call = counters.bump(key);
    if (call % rule.every === 0) throw hostileValue(rule.value, `${name} call ${call}`);
    return hook(...args);
  };
};

/** The hooks a descriptor overrides (for a spec, and for spawn options alike). */
const hooksOf = (
  throws: Partial<Record<HookName, HookThrow>> | undefined,
  counters: HookCounters,
  scope: string,
): Partial<ProgramSpec> => {
  if (throws === undefined) return {};
  const out: Record<string, unknown> = {};
  if (throws.argsFn !== undefined) out.argsFn = throwing("argsFn", throws.argsFn, counters, scope, () => undefined);
  if (throws.successFn !== undefined)
    out.successFn = throwing("successFn", throws.successFn, counters, scope, (value: unknown) => value);
  if (throws.errorFn !== undefined) out.errorFn = throwing("errorFn", throws.errorFn, counters, scope, () => undefined);
  return out as Partial<ProgramSpec>;
};

const nullAware =
  (nullState: ProgramDescriptor["nullState"]) =>
  (state: SimState | null, output: JobValue | undefined): SimState | null => {
    if (output === undefined) return state;
    const merged = mergeSimState(state ?? { count: 0, sum: 0 }, output);
    return nullState === "merge" && output.n % 3 === 0 ? null : merged;
  };

/**
 * A program spec from its descriptor. Every hook is a pure function of its
 * input (or of its own call count, in `counters`), so the kernel and the
 * reference model can each be given one built the same way.
 */
export const specOf = (
  descriptor: ProgramDescriptor,
  counters: HookCounters = new HookCounters(),
): ProgramSpec<SimState, undefined, JobValue, JobValue | undefined> => {
  const scope = counters.scope(`program:${descriptor.id}`);
  const throws = descriptor.throws;
  const createState = () => (descriptor.nullState === "create" ? null : { count: 0, sum: 0 });
  const merge =
    descriptor.nullState === undefined ? mergeSimState : (nullAware(descriptor.nullState) as typeof mergeSimState);
  const timeFn =
    descriptor.align === undefined
      ? throws?.timeFn === undefined
        ? undefined
        : (t: number) => t
      : alignTo(descriptor.align);
  const continueFn =
    descriptor.stopAfter === undefined
      ? throws?.continueFn === undefined
        ? undefined
        : () => true
      : continueUntil(descriptor.stopAfter);
  return {
    id: descriptor.id,
    type: descriptor.type,
    // A cron program's times come from its expression; `interval` only bounds the liveness check.
    ...(descriptor.type === "cron"
      ? {
          cron: descriptor.cron ?? "* * * * * *",
          ...(descriptor.timezone === undefined ? {} : { timezone: descriptor.timezone }),
        }
      : {
          interval:
            descriptor.intervalFn === undefined
              ? descriptor.interval
              : intervalFnOf(descriptor.intervalFn, counters, scope),
        }),
    ...(descriptor.delay === undefined ? {} : { delay: descriptor.delay }),
    ...(descriptor.misfire === undefined ? {} : { misfire: descriptor.misfire }),
    ...(descriptor.min === undefined ? {} : { min: descriptor.min }),
    ...(descriptor.max === undefined ? {} : { max: descriptor.max }),
    ...(descriptor.scope === undefined ? {} : { scope: descriptor.scope }),
    ...(descriptor.output === undefined ? {} : { output: descriptor.output }),
    ...(descriptor.policy === undefined ? {} : { policy: descriptor.policy }),
    ...(descriptor.catchUpWindow === undefined ? {} : { catchUpWindow: descriptor.catchUpWindow }),
    ...(descriptor.overlap === undefined ? {} : { overlap: descriptor.overlap }),
    ...(descriptor.bufferLimit === undefined ? {} : { bufferLimit: descriptor.bufferLimit }),
    ...(descriptor.maxRuns === undefined ? {} : { maxRuns: descriptor.maxRuns }),
    ...(descriptor.startAt === undefined ? {} : { startAt: descriptor.startAt }),
    ...(descriptor.endAt === undefined ? {} : { endAt: descriptor.endAt }),
    ...(descriptor.jitter === undefined ? {} : { jitter: descriptor.jitter }),
    ...(timeFn === undefined ? {} : { timeFn: throwing("timeFn", throws?.timeFn, counters, scope, timeFn) }),
    ...(continueFn === undefined
      ? {}
      : { continueFn: throwing("continueFn", throws?.continueFn, counters, scope, continueFn) }),
    ...hooksOf(throws, counters, scope),
    createFn: throwing("createFn", throws?.createFn, counters, scope, createState) as () => SimState,
    mergeFn: throwing("mergeFn", throws?.mergeFn, counters, scope, merge),
    ...(throws?.errorFn === undefined ? { errorFn: () => undefined } : {}),
    mainFn: () => {
      throw new Error("the simulator runs jobs itself; mainFn is never called");
    },
  } as ProgramSpec<SimState, undefined, JobValue, JobValue | undefined>;
};

/**
 * Spawn options from their descriptor (hooks counted in `counters`, as for specs); `at` is
 * the spawn command's time, which `startIn` and `endIn` count from.
 */
export const optsOf = (
  descriptor: SpawnOptsDescriptor,
  counters: HookCounters,
  label: string,
  at = 0,
): SpawnOptions & Record<string, unknown> => {
  const scope = counters.scope(`opts:${label}`);
  const throws = descriptor.throws;
  const out: Record<string, unknown> = {};
  if (descriptor.spawnId !== undefined) out.spawnId = descriptor.spawnId;
  if (descriptor.intervalFn !== undefined) out.interval = intervalFnOf(descriptor.intervalFn, counters, scope);
  else if (descriptor.interval !== undefined) out.interval = badNumber(descriptor.interval);
  if (descriptor.delay !== undefined) out.delay = descriptor.delay;
  if (descriptor.misfire !== undefined) out.misfire = descriptor.misfire;
  if (descriptor.output !== undefined) out.output = descriptor.output;
  if (descriptor.catchUpWindow !== undefined) out.catchUpWindow = descriptor.catchUpWindow;
  if (descriptor.overlap !== undefined) out.overlap = descriptor.overlap;
  if (descriptor.bufferLimit !== undefined) out.bufferLimit = descriptor.bufferLimit;
  if (descriptor.maxRuns !== undefined) out.maxRuns = descriptor.maxRuns;
  if (descriptor.startIn !== undefined) out.startAt = at + descriptor.startIn;
  if (descriptor.endIn !== undefined) out.endAt = at + descriptor.endIn;
  if (descriptor.jitter !== undefined) out.jitter = descriptor.jitter;
  if (throws !== undefined) {
    Object.assign(out, hooksOf(throws, counters, scope));
    if (throws.createFn !== undefined)
      out.createFn = throwing("createFn", throws.createFn, counters, scope, () => ({ count: 0, sum: 0 }));
    if (throws.mergeFn !== undefined) out.mergeFn = throwing("mergeFn", throws.mergeFn, counters, scope, mergeSimState);
    if (throws.continueFn !== undefined)
      out.continueFn = throwing("continueFn", throws.continueFn, counters, scope, () => true);
    if (throws.timeFn !== undefined) out.timeFn = throwing("timeFn", throws.timeFn, counters, scope, (t: number) => t);
  }
  if (descriptor.unknownKey === true) out.intervall = 5;
  return out as SpawnOptions & Record<string, unknown>;
};

/** The largest finite positive value an interval descriptor gives (the liveness check's bound), if any. */
export const longestInterval = (descriptor: IntervalFnDescriptor): number | undefined => {
  const finite = descriptor.values.filter((value): value is number => typeof value === "number" && value > 0);
  return finite.length === 0 ? undefined : Math.max(...finite);
};
