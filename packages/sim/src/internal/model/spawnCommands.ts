/**
 * The reference model's spawn commands: `spawn`, `unspawn`, and spec 18's `pause` and
 * `resume`. Each checks everything it can now (hooks the check needs run here), then returns
 * what to apply once time arrived; bounds and the policy meet the pool as time left it.
 */
import type { Command, SpawnOptions, SpawnSet } from "@schedkit/kernel";
import { overridden } from "./hooks.js";
import { copyChecked, isTime, spawnOptionRules } from "./inputs.js";
import { startBuffered } from "./jobLife.js";
import { checkSpawnLimits, scheduleBase } from "./limits.js";
import { findProgram, findSpawn, runningSpawns } from "./lookups.js";
import { emit, emit18, type ModelState } from "./modelState.js";
import { pause, resume, unpaused } from "./pause.js";
import { cronAfter, schedule } from "./schedule.js";
import type { SimCommand } from "./spec18.js";
import { isRunning, type Spawn } from "./state.js";
import { stopSpawn } from "./stopping.js";
import { describe, intervalValue, show, WALL_NOISE } from "./values.js";
import { accept, refuseWith, unknownProgram, unknownSpawn, type Verdict } from "./verdict.js";
import { isPaused, viewOf } from "./views.js";

/** An accepted command the pool's bounds or the policy turned down once time arrived. */
const refuse = (
  m: ModelState,
  command: Command,
  code: "max-reached" | "min-reached" | "none-running" | "policy-refused",
): void => {
  emit(m, { type: "refused", command, code, message: code });
};

export const spawn = (m: ModelState, command: Extract<Command, { type: "spawn" }>, at: number): Verdict => {
  const program = findProgram(m, command.programId);
  if (program === undefined) return unknownProgram(command.programId);
  let opts: SpawnOptions | undefined;
  if (command.opts !== undefined) {
    const copied = copyChecked(command.opts, "opts", spawnOptionRules);
    if (!copied.ok) return refuseWith("invalid-options", copied.field, "invalid options");
    opts = copied.value as SpawnOptions;
    const limitsRefused = checkSpawnLimits(program.hooks.type, program.limits, opts);
    if (limitsRefused !== undefined) {
      return refuseWith("invalid-options", limitsRefused.field, limitsRefused.message);
    }
  }
  const wantedId = opts?.spawnId;
  if (wantedId !== undefined && findSpawn(program, wantedId) !== undefined) {
    return refuseWith("duplicate-spawn", "opts.spawnId", `spawn "${wantedId}" exists`);
  }
  const hooks = overridden(program.hooks, program.limits, opts);
  // startAt: the schedule counts from max(now, startAt), exactly as a spawn made then.
  const origin = scheduleBase(at, hooks.startAt);
  const interval = opts?.interval ?? program.interval;
  const intervalField = opts?.interval !== undefined ? "opts.interval" : "program.interval";
  let firstInterval: number;
  let firstDue: number | undefined;
  if (program.cronMatch !== undefined) {
    for (const key of ["interval", "delay", "timeFn"] as const) {
      if (opts?.[key] !== undefined) return refuseWith("invalid-options", `opts.${key}`, "not for cron");
    }
    // Aimed with the wall offset this command brings, if it brings a new one.
    const wallOffset = m.wallOffset;
    const brought = command.wall === undefined ? wallOffset : command.wall - command.at;
    firstDue = cronAfter(m, program, origin, Math.abs(brought - wallOffset) <= WALL_NOISE ? wallOffset : brought);
    if (Number.isNaN(firstDue)) return refuseWith("invalid-program", "program.cron", "no due time after now");
    firstInterval = firstDue - origin;
  } else {
    try {
      firstInterval = intervalValue(interval);
    } catch (error) {
      return refuseWith("invalid-interval", intervalField, describe(error));
    }
  }
  let base = origin;
  if (hooks.type === "constant" && hooks.timeFn !== undefined) {
    let aligned: unknown;
    try {
      aligned = hooks.timeFn(origin);
    } catch (error) {
      return refuseWith("hook-failed", "program.timeFn", `timeFn threw: ${describe(error)}`);
    }
    if (!isTime(aligned)) return refuseWith("hook-failed", "program.timeFn", "timeFn gave no time in range");
    base = aligned;
  }
  // A first due time that makes no progress: the schedule could never move on at this magnitude.
  if (firstDue === undefined && !(base + firstInterval > base)) {
    return refuseWith("invalid-interval", intervalField, "below the time's precision");
  }
  // The new spawn's id, worked out before it exists: a per-spawn createFn is told it.
  let nextNumber = program.lastSpawnNumber;
  let newId = wantedId;
  while (newId === undefined || (wantedId === undefined && findSpawn(program, newId) !== undefined)) {
    nextNumber += 1;
    newId = `${program.id}-${nextNumber}`;
  }
  let state: unknown;
  if (program.scope === "spawn") {
    try {
      state = hooks.createFn === undefined ? undefined : hooks.createFn({ programId: program.id, spawnId: newId });
    } catch (error) {
      return refuseWith("hook-failed", "program.createFn", `createFn threw: ${describe(error)}`);
    }
  }
  return accept(() => {
    // The bound meets the pool as time left it: due jobs may have stopped spawns.
    if (program.max !== undefined && runningSpawns(program).length >= program.max) {
      refuse(m, command, "max-reached");
      return;
    }
    const now = m.now;
    const id = newId;
    program.lastSpawnNumber = nextNumber;
    const delay = hooks.delay === "random" ? program.random.below(firstInterval) : hooks.delay;
    m.spawnsMade += 1;
    const created: Spawn = {
      id,
      seq: m.spawnsMade,
      program,
      startedAt: now,
      hooks,
      status: "created",
      stopReason: undefined,
      stopRequested: false,
      stopEmitted: false,
      missed: 0,
      updatedAt: now,
      interval,
      lastInterval: firstInterval,
      state,
      submitted: 0,
      succeeded: 0,
      errored: 0,
      lost: 0,
      lastError: undefined,
      active: [],
      results: [],
      buffer: [],
      skipped: 0,
      runs: 0,
      pause: unpaused(),
      kept: false,
      waiting: [],
      startsIn: 0,
      starts: 0,
    };
    program.spawns.push(created);
    if (hooks.endAt !== undefined) m.withEndAt.add(created);
    emit(m, { type: "spawned", programId: program.id, spawnId: id, startedAt: now });
    let first = firstDue ?? base + (delay ?? firstInterval);
    // An aligned grid (timeFn) may start before startAt: its first point at or after startAt, stepping.
    if (firstDue === undefined && hooks.startAt !== undefined && first < hooks.startAt) {
      const startAt = hooks.startAt;
      first += firstInterval * Math.ceil((startAt - first) / firstInterval);
      while (first < startAt) first += firstInterval;
    }
    schedule(m, created, first);
  });
};

/** An unspawn: the policy is known now; bounds and the policy's choice meet the pool once time arrived. */
export const unspawn = (m: ModelState, command: Extract<Command, { type: "unspawn" }>): Verdict => {
  const program = findProgram(m, command.programId);
  if (program === undefined) return unknownProgram(command.programId);
  const policyName = program.policy ?? m.defaultPolicy;
  const policy = m.policies.find((each) => each.name === policyName);
  if (policy === undefined) return refuseWith("no-policy", "program.policy", "no policy to choose with");
  return accept(() => {
    const running = runningSpawns(program);
    if (running.length === 0) return refuse(m, command, "none-running");
    if (program.min !== undefined && running.length <= program.min) return refuse(m, command, "min-reached");
    const views = running.map(viewOf);
    const set: SpawnSet = Object.freeze({
      size: views.length,
      earliest: () => views[0],
      latest: () => views[views.length - 1],
      [Symbol.iterator]: () => views[Symbol.iterator](),
    });
    const failed = `policy "${policy.name}"`;
    let chosen: unknown;
    try {
      chosen = policy.select(set);
    } catch (error) {
      emit(m, {
        type: "rejected",
        command,
        code: "policy-failed",
        field: failed,
        message: `threw: ${describe(error)}`,
      });
      return;
    }
    if (chosen === undefined) return refuse(m, command, "policy-refused");
    const victim = running.find((each) => each.id === chosen);
    if (victim === undefined) {
      emit(m, { type: "rejected", command, code: "policy-failed", field: failed, message: `chose ${show(chosen)}` });
      return;
    }
    emit(m, { type: "unspawned", programId: program.id, spawnId: victim.id });
    stopSpawn(m, victim, "unspawn", false);
  });
};

/** Pause or resume a program (no `spawnId`) or one of its running spawns. */
export const pauseOrResume = (m: ModelState, command: Extract<SimCommand, { type: "pause" | "resume" }>): Verdict => {
  const program = findProgram(m, command.programId);
  if (program === undefined) return unknownProgram(command.programId);
  const spawnId = command.spawnId;
  let target: Spawn | undefined;
  if (spawnId !== undefined) {
    target = findSpawn(program, spawnId);
    if (target === undefined) return unknownSpawn(program.id, spawnId);
    if (!isRunning(target)) {
      return refuseWith("invalid-command", "command.spawnId", `spawn "${spawnId}" is stopping or stopped`);
    }
  }
  const state = target === undefined ? program.pause : target.pause;
  const spawnIdOut = target === undefined ? null : target.id;
  if (command.type === "pause") {
    const note = command.note;
    return accept(() => {
      pause(state, note);
      emit18(m, {
        type: "paused",
        programId: program.id,
        spawnId: spawnIdOut,
        ...(note === undefined ? {} : { note }),
      });
    });
  }
  return accept(() => {
    resume(state);
    emit18(m, { type: "resumed", programId: program.id, spawnId: spawnIdOut });
    // Parked jobs of spawns no longer paused are due again (at once: they came due meanwhile).
    for (const job of m.queue.parked()) if (job.spawn !== null && !isPaused(job.spawn)) m.queue.park(job, false);
    // Right after `resumed`: each spawn no longer paused with nothing in flight starts its oldest
    // buffered run (in spawn order); its due waiting job comes with the other due jobs after.
    for (const each of target === undefined ? runningSpawns(program) : [target]) {
      if (!isPaused(each)) startBuffered(m, each);
    }
  });
};
