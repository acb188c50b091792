/**
 * Questions about the future that change nothing: `validateProgram` (would `install` accept this
 * spec?) and `nextRuns` (when are a spawn's next jobs due?). Both read the machine and never
 * write it: no effect, no time, no draw from a program's generator.
 */
import { SchedkitError } from "../SchedkitError.js";
import { missOnGrid } from "./catchUp.js";
import { describe, show } from "./describe.js";
import { jobsInFlight } from "./inFlight.js";
import { prepareInstall } from "./install.js";
import { isTime } from "./limits.js";
import { dueTimeOf, isRunning } from "./model.js";
import { cronNext } from "./timing.js";
/** The most due times one `nextRuns` answers. */
export const MAX_PREVIEW_COUNT = 10_000;
const NO_PROBLEMS = Object.freeze([]);
/**
 * The checks of `install` (`prepareInstall`), without installing: its rejection as the one
 * problem, or none. The plan is read, never applied. While it runs, the machine counts as
 * dispatching, as during an install: a hook it calls (`createFn`) that dispatches into this
 * kernel is rejected, and a snapshot from it throws, exactly as they would during `install`.
 */
export function validateProgramOf(m, spec) {
  if (m.isDispatching) {
    // From inside a hook: the command in progress is half applied, so nothing can be judged against it.
    throw new SchedkitError(
      "invalid-command",
      "validateProgram: called from inside a hook while this kernel is applying a command; call it after the dispatch",
      { field: "validateProgram" },
    );
  }
  m.dispatching = true;
  let problem;
  try {
    const plan = prepareInstall(m, spec);
    if (plan.kind === "reject") problem = { code: plan.code, field: plan.field, message: plan.message };
  } catch (error) {
    // What `dispatch` would answer for an install that failed inside the kernel.
    problem = {
      code: "internal-error",
      field: "command",
      message: `command: the kernel failed while applying it (a bug in schedkit; please report it): ${describe(error)}`,
    };
  } finally {
    m.dispatching = false;
  }
  return problem === undefined ? NO_PROBLEMS : Object.freeze([Object.freeze(problem)]);
}
const invalidArgument = (field, message) => new SchedkitError("invalid-command", `${field}: ${message}`, { field });
/**
 * The next `count` due times of a spawn (with `spawnId`) or of a spawn made at `from` (without),
 * `undefined` where a time is not known or there is none. `now` is the host's time: the kernel's
 * own, or a runner's clock, which may be ahead of the kernel's last command.
 */
export function nextRunsOf(m, programId, spawnId, count, from, now) {
  if (typeof programId !== "string") throw invalidArgument("programId", `expected a string, got ${show(programId)}`);
  if (spawnId !== undefined && typeof spawnId !== "string") {
    throw invalidArgument("spawnId", `expected a string or undefined, got ${show(spawnId)}`);
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0 || count > MAX_PREVIEW_COUNT) {
    throw invalidArgument("count", `expected a whole number from 0 to ${MAX_PREVIEW_COUNT}, got ${show(count)}`);
  }
  if (from !== undefined) {
    if (spawnId !== undefined) {
      throw invalidArgument("from", "only without a spawnId (a spawn's due times follow its waiting job)");
    }
    if (!isTime(from)) throw invalidArgument("from", `expected a time in ms within ±8.64e15, got ${show(from)}`);
  }
  const program = m.programs.get(programId);
  if (program === undefined) {
    throw new SchedkitError("unknown-program", `programId: no program ${show(programId)} is installed`, {
      field: "programId",
    });
  }
  let due;
  if (spawnId === undefined) {
    due = ofNewSpawn(m, program, from ?? now);
  } else {
    const spawn = program.spawns.get(spawnId);
    if (spawn === undefined) {
      throw new SchedkitError("unknown-spawn", `spawnId: program ${show(programId)} has no spawn ${show(spawnId)}`, {
        field: "spawnId",
      });
    }
    due = ofSpawn(m, spawn, now);
  }
  const times = new Array(count).fill(undefined);
  if (due === undefined) return times;
  let t = due.first;
  for (let index = 0; index < count && t !== undefined; index++) {
    if (due.endAt !== undefined && t >= due.endAt) break;
    if (due.runsLeft !== undefined && index >= due.runsLeft) break;
    times[index] = t;
    if (index + 1 === count) break;
    const next = due.after(t);
    // A grid that no longer moves (below the time's precision) has no next due time.
    t = next !== undefined && next > t ? next : undefined;
  }
  return times;
}
/** An interval's value when it is a number; a function is not called (its answer is not known). */
const numberOf = (interval) => (typeof interval === "number" ? interval : undefined);
/** The next cron match strictly after `t` (kernel time, the kernel's wall offset), undefined when none. */
const cronAfter = (m, cron, t) => {
  const next = cronNext(m, cron, t);
  return Number.isNaN(next) ? undefined : next;
};
/**
 * The due time after one due at `t` whose job starts at `max(t, now)` and takes no time: a
 * fixed-rate grid (`misfire: "skip"` jumps past now), the next cron match, or one interval after
 * the start for `basic`.
 */
const stepper = (m, config, cron, interval, now) => {
  const skip = config.misfire === "skip";
  if (cron !== undefined) {
    return (t) => {
      const next = cronAfter(m, cron, t);
      return skip && next !== undefined && next <= now ? cronAfter(m, cron, now) : next;
    };
  }
  if (interval === undefined) return () => undefined;
  if (config.type === "basic") return (t) => Math.max(t, now) + interval;
  return (t) => {
    const next = t + interval;
    return skip && next <= now ? t + interval * (Math.floor((now - t) / interval) + 1) : next;
  };
};
/**
 * A spawn made at `from` by `spawn(programId)` (the program's own options): its first due time
 * as `spawn` computes it, from `max(from, startAt)`, then the ones after it.
 */
function ofNewSpawn(m, program, from) {
  const config = program.config;
  const base = config.startAt !== undefined && config.startAt > from ? config.startAt : from;
  const cron = program.cron;
  const interval = numberOf(program.interval);
  const after = stepper(m, config, cron, interval, base);
  const bounds = { endAt: config.endAt, runsLeft: config.maxRuns };
  if (cron !== undefined) return { first: cronAfter(m, cron, base), after, ...bounds };
  let gridBase = base;
  if (config.type === "constant" && config.timeFn !== undefined) {
    // The grid's base is part of the schedule: called as `spawn` calls it, and refused as `spawn` refuses it.
    try {
      gridBase = config.timeFn(base);
    } catch (error) {
      throw new SchedkitError("hook-failed", `program.timeFn: threw: ${describe(error)}`, {
        field: "program.timeFn",
        cause: error,
      });
    }
    if (!isTime(gridBase)) {
      throw new SchedkitError("hook-failed", `program.timeFn: expected a time in range, got ${show(gridBase)}`, {
        field: "program.timeFn",
      });
    }
  }
  // A random delay is drawn when the spawn is made: not known before.
  const delay = config.delay === "random" ? undefined : (config.delay ?? interval);
  return { first: delay === undefined ? undefined : gridBase + delay, after, ...bounds };
}
/**
 * An existing spawn: its waiting job's due time (moved as the next tick would move it when it is
 * older than the catch-up window), then the ones after it. With nothing waiting, a job in flight
 * goes on: on the grid after it (constant, cron) or one interval after it completes, taken as now
 * (basic). A spawn that is stopping or stopped has no due time.
 */
function ofSpawn(m, spawn, now) {
  if (!isRunning(spawn)) return undefined;
  const config = spawn.config;
  const cron = spawn.program.cron;
  const interval = numberOf(spawn.interval);
  const after = stepper(m, config, cron, interval, now);
  const maxRuns = config.maxRuns;
  const bounds = { endAt: config.endAt, runsLeft: maxRuns === undefined ? undefined : maxRuns - spawn.runs };
  let first;
  if (spawn.pending !== null) {
    first = withinWindow(m, config, cron, interval, dueTimeOf(spawn.pending), now);
  } else if (spawn.inFlightCount > 0) {
    if (config.type === "basic") {
      first = interval === undefined ? undefined : now + interval;
    } else {
      let latest = Number.NEGATIVE_INFINITY;
      for (const job of jobsInFlight(spawn)) if (job.dueAt > latest) latest = job.dueAt;
      first = after(latest);
    }
  }
  return { first, after, ...bounds };
}
/**
 * A waiting job's due time once the catch-up window is applied at `now` (see `skipMissed`): one
 * older than the window moves to the first grid point or match inside it (`misfire: "catch-up"`),
 * or past now (`"skip"`, and `basic`: one interval after now).
 */
function withinWindow(m, config, cron, interval, dueAt, now) {
  const oldest = now - config.catchUpWindow;
  if (!(dueAt < oldest)) return dueAt;
  const catchUp = config.misfire === "catch-up" && config.type !== "basic";
  if (cron !== undefined) {
    if (!catchUp) return cronAfter(m, cron, now);
    // The first match at or after the window's start.
    let next = cronAfter(m, cron, oldest - 1);
    while (next !== undefined && next < oldest) next = cronAfter(m, cron, next);
    return next;
  }
  if (interval === undefined) return undefined;
  if (config.type === "basic") return now + interval;
  return (catchUp ? missOnGrid(dueAt, interval, oldest, false) : missOnGrid(dueAt, interval, now, true))?.next;
}
