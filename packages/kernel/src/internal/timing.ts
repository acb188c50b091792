/**
 * When each program type's jobs are due: a `constant` spawn's fixed-rate grid, a `cron` spawn's
 * next match on the wall clock, a `basic` spawn's fixed delay after each completion; and the
 * interval checks they share (`set-interval` included).
 */

import type { Command } from "../Command.js";
import type { Interval, ProgramSpec } from "../Program.js";
import { SchedkitError } from "../SchedkitError.js";
import { type CronSchedule, parseCron } from "./cron.js";
import { describe, show } from "./describe.js";
import { schedule } from "./jobs.js";
import { fault } from "./lifecycle.js";
import { atMaxRuns } from "./lifespan.js";
import { MAX_TIME, MIN_INTERVAL, WALL_STEP_TOLERANCE } from "./limits.js";
import type { Machine } from "./machine.js";
import type { JobRecord, SpawnRecord } from "./model.js";
import { apply, type Plan, reject, unknownProgram, unknownSpawn } from "./plan.js";
import { decodeInterval } from "./programSchema.js";

/** Resolves an interval (calling a dynamic one) and checks that it is a positive number of ms in range. */
export const resolveInterval = (interval: Interval): number => {
  const value = typeof interval === "function" ? interval() : interval;
  if (typeof value !== "number" || !(value >= MIN_INTERVAL && value <= MAX_TIME)) {
    throw new SchedkitError(
      "invalid-interval",
      `interval: expected a number of ms from ${MIN_INTERVAL} to ${MAX_TIME}, got ${show(value)}`,
      { field: "interval" },
    );
  }
  return value;
};

/** A cron program's own fields: an expression and a zone that parse and can match; no interval, delay or timeFn. */
export const checkCronSpec = (
  spec: ProgramSpec,
): { ok: true; schedule: CronSchedule } | { ok: false; field: string; message: string } => {
  for (const field of ["interval", "delay", "timeFn"] as const) {
    if (spec[field] !== undefined) {
      return {
        ok: false,
        field: `program.${field}`,
        message: `program.${field}: not allowed with type "cron" (its times come from program.cron)`,
      };
    }
  }
  if (typeof spec.cron !== "string" || spec.cron.trim() === "") {
    return {
      ok: false,
      field: "program.cron",
      message: 'program.cron: required with type "cron" (an expression of 5 fields, or 6 with seconds first)',
    };
  }
  const parsed = parseCron(spec.cron, spec.timezone);
  if (!parsed.ok)
    return { ok: false, field: `program.${parsed.field}`, message: `program.${parsed.field}: ${parsed.reason}` };
  return { ok: true, schedule: parsed.schedule };
};

/** The cron schedule of a spec already checked at install (restores parse it again). */
export const cronOf = (spec: ProgramSpec): CronSchedule | undefined => {
  if (spec.type !== "cron") return undefined;
  const checked = checkCronSpec(spec);
  if (!checked.ok) throw new SchedkitError("invalid-program", checked.message, { field: checked.field });
  return checked.schedule;
};

/**
 * The wall clock moved against the kernel's (a host suspend, an NTP step):
 * every pending cron job is re-aimed to keep its wall-clock time, so a
 * `"0 9 * * *"` job still runs at 09:00 on the wall. Small differences are
 * reading noise (the two clocks are read one after the other).
 */
export function followWall(m: Machine, offset: number): void {
  const previous = m.wallOffset;
  if (Math.abs(offset - previous) <= WALL_STEP_TOLERANCE) return;
  m.wallOffset = offset;
  for (const program of m.programs.values()) {
    if (program.cron === undefined) continue;
    for (const spawn of program.running) {
      const job = spawn.pending;
      if (job === null) continue;
      job.dueAt = job.dueAt + previous - offset;
      if (job.heldFrom !== undefined) job.heldFrom = job.heldFrom + previous - offset;
      if (!spawn.parked) m.heap.reposition(job);
    }
  }
}

/** The first cron match strictly after kernel time `t`, on the wall clock; NaN when the schedule has none. */
export function cronNext(m: Machine, cron: CronSchedule, t: number, offset = m.wallOffset): number {
  try {
    const next = cron.next(t + offset) - offset;
    return next > t ? next : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The wall offset once `command` is accepted: it may bring a new wall reading (see `followWall`). */
export function offsetAfter(m: Machine, command: Command): number {
  const wall = command.wall;
  if (wall === undefined) return m.wallOffset;
  const offset = wall - command.at;
  return Math.abs(offset - m.wallOffset) <= WALL_STEP_TOLERANCE ? m.wallOffset : offset;
}

export function prepareSetInterval(
  m: Machine,
  programId: string,
  spawnId: string | undefined,
  interval: Interval,
): Plan {
  const program = m.programs.get(programId);
  if (program === undefined) return unknownProgram(programId);
  const decoded = decodeInterval(interval);
  if (!decoded.ok) return reject("invalid-interval", "command.interval", `command.${decoded.message}`);
  if (program.cron !== undefined) {
    return reject(
      "invalid-interval",
      "command.interval",
      `command.interval: program ${show(programId)} is a cron program; its times come from program.cron, not an interval`,
    );
  }
  // A number shows in getProps().interval at once; a function's value is known at the next scheduling.
  const setOn = (spawn: SpawnRecord) => {
    spawn.interval = interval;
    if (typeof interval === "number") spawn.lastInterval = interval;
  };
  if (spawnId === undefined) {
    return apply(() => {
      program.interval = interval;
      for (const spawn of program.running) setOn(spawn);
      m.emit({ type: "interval-set", programId, spawnId: null });
    });
  }
  const spawn = program.spawns.get(spawnId);
  if (spawn === undefined) return unknownSpawn(program, spawnId, "command.spawnId");
  return apply(() => {
    setOn(spawn);
    m.emit({ type: "interval-set", programId, spawnId });
  });
}

/** Fixed rate (constant, cron): the spawn's next job, on the grid after `job`'s due time. */
export function scheduleNextOnGrid(m: Machine, spawn: SpawnRecord, job: JobRecord): void {
  const next = nextDueOnGrid(m, spawn, job.dueAt);
  if (next !== undefined) schedule(m, spawn, next);
}

/**
 * The grid point after `dueAt` (`misfire: "skip"` jumps past now), or undefined when there is
 * none: the spawn faulted (an interval function failed, no cron date is left, the grid stopped moving).
 */
export function nextDueOnGrid(m: Machine, spawn: SpawnRecord, dueAt: number): number | undefined {
  const cron = spawn.program.cron;
  if (cron !== undefined) {
    // The next match after this due time; skip jumps to the next match after now.
    let next = cronNext(m, cron, dueAt);
    if (spawn.config.misfire === "skip" && next <= m.now) next = cronNext(m, cron, m.now);
    if (Number.isNaN(next)) {
      const error = new Error(`no due time after ${dueAt} (past the date range)`);
      fault(m, spawn, "invalid-program", `program.cron: ${error.message}`, error);
      return undefined;
    }
    spawn.lastInterval = next - dueAt;
    return next;
  }
  const interval = nextInterval(m, spawn);
  if (interval === undefined) return undefined;
  let next = dueAt + interval;
  if (spawn.config.misfire === "skip" && next <= m.now) {
    next = dueAt + interval * (Math.floor((m.now - dueAt) / interval) + 1);
  }
  if (!(next > dueAt)) {
    noProgress(m, spawn, interval, dueAt);
    return undefined;
  }
  return next;
}

/** The spawn's interval for its next scheduling; a failing interval function stops the spawn. */
export function nextInterval(m: Machine, spawn: SpawnRecord): number | undefined {
  try {
    spawn.lastInterval = resolveInterval(spawn.interval);
    return spawn.lastInterval;
  } catch (error) {
    fault(
      m,
      spawn,
      error instanceof SchedkitError ? error.code : "hook-failed",
      `interval: ${describe(error).replace(/^interval: /, "")}`,
      error,
    );
    return undefined;
  }
}

export function noProgress(m: Machine, spawn: SpawnRecord, interval: number, at: number): void {
  const error = new SchedkitError(
    "invalid-interval",
    `interval: ${interval} ms is below the time's precision at ${at} (it would never move the schedule)`,
    { field: "interval" },
  );
  fault(m, spawn, "invalid-interval", error.message, error);
}

/** `cronNext` for places that fault the spawn when the schedule has no next date. */
export function checkedCronNext(m: Machine, cron: CronSchedule, t: number): number {
  const next = cronNext(m, cron, t);
  if (Number.isNaN(next)) throw new Error(`no due time after ${t} (past the date range)`);
  return next;
}

/** Fixed delay: a basic spawn's next job is due one interval after this one completed. */
export function scheduleAfterCompletion(m: Machine, spawn: SpawnRecord): void {
  if (spawn.config.type !== "basic" || atMaxRuns(spawn)) return;
  const interval = nextInterval(m, spawn);
  if (interval === undefined) return;
  if (!(m.now + interval > m.now)) noProgress(m, spawn, interval, m.now);
  else schedule(m, spawn, m.now + interval);
}
