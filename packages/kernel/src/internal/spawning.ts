/** The `spawn` and `unspawn` commands: a spawn's first due time, bounds, and the policy's choice. */

import type { Command } from "../Command.js";
import type { UnspawnPolicy } from "../Policy.js";
import type { ProgramSpec, SpawnOptions } from "../Program.js";
import { describe, show } from "./describe.js";
import { schedule } from "./jobs.js";
import { stopSpawn } from "./lifecycle.js";
import { endMarkerOf, scheduleBase } from "./lifespan.js";
import { isTime } from "./limits.js";
import type { Machine } from "./machine.js";
import { configOf, isRunning, NO_BUFFER, type ProgramRecord, type SpawnRecord, sharedConfigOf } from "./model.js";
import { checkOverlapAndDates } from "./options.js";
import { apply, type Plan, reject, unknownProgram } from "./plan.js";
import { decodeSpawnOptions, spawnOptionKeys } from "./programSchema.js";
import { nextInt } from "./random.js";
import { copyFields } from "./readOnce.js";
import { spawnSetOf } from "./spawnList.js";
import { cronNext, offsetAfter, resolveInterval } from "./timing.js";

/** The spawn options that override the program's fields: every one but the spawn's own id. */
const OVERRIDE_KEYS = [...spawnOptionKeys].filter((key) => key !== "spawnId") as (keyof SpawnOptions)[];

const hasOverrides = (opts: SpawnOptions | undefined): opts is SpawnOptions =>
  opts !== undefined && OVERRIDE_KEYS.some((key) => opts[key] !== undefined);

export function prepareSpawn(m: Machine, programId: string, input: unknown, at: number, command: Command): Plan {
  const program = m.programs.get(programId);
  if (program === undefined) return unknownProgram(programId);
  let opts: SpawnOptions | undefined;
  if (input !== undefined) {
    const copied = copyFields(input, "opts", spawnOptionKeys);
    if (!copied.ok) return reject("invalid-options", copied.field, copied.message);
    const decoded = decodeSpawnOptions(copied.value);
    if (!decoded.ok) return reject("invalid-options", decoded.field, decoded.message);
    opts = Object.freeze(copied.value) as SpawnOptions;
  }
  if (opts?.spawnId !== undefined && program.spawns.has(opts.spawnId)) {
    return reject(
      "duplicate-spawn",
      "opts.spawnId",
      `opts.spawnId: program ${show(programId)} already has a spawn ${show(opts.spawnId)}`,
    );
  }
  const config = hasOverrides(opts) ? configOf(opts as ProgramSpec, program.config) : program.config;
  const problem = checkOverlapAndDates(config, opts, "opts", "invalid-options");
  if (problem !== undefined) return problem;
  // `startAt`: the schedule counts from it as from a spawn made then.
  const start = scheduleBase(config.startAt, at);
  const interval = opts?.interval ?? program.interval;
  const intervalField = opts?.interval !== undefined ? "opts.interval" : "program.interval";
  let firstInterval: number;
  let firstDue: number | undefined;
  if (program.cron !== undefined) {
    for (const key of ["interval", "delay", "timeFn"] as const) {
      if (opts?.[key] !== undefined) {
        return reject(
          "invalid-options",
          `opts.${key}`,
          `opts.${key}: not allowed for a cron program (its times come from program.cron)`,
        );
      }
    }
    // Aimed with the wall offset this very command brings, if it brings one.
    firstDue = cronNext(m, program.cron, start, offsetAfter(m, command));
    if (Number.isNaN(firstDue)) {
      return reject(
        "invalid-program",
        "program.cron",
        `program.cron: no due time after ${start} (past the date range)`,
      );
    }
    firstInterval = firstDue - start;
  } else {
    try {
      firstInterval = resolveInterval(interval);
    } catch (error) {
      return reject(
        "invalid-interval",
        intervalField,
        `${intervalField}: ${describe(error).replace(/^interval: /, "")}`,
      );
    }
  }
  let base = start;
  if (config.type === "constant" && config.timeFn !== undefined) {
    try {
      base = config.timeFn(start);
    } catch (error) {
      return reject("hook-failed", "program.timeFn", `program.timeFn: threw: ${describe(error)}`);
    }
    if (!isTime(base)) {
      return reject("hook-failed", "program.timeFn", `program.timeFn: expected a time in range, got ${show(base)}`);
    }
  }
  if (firstDue === undefined && !(base + firstInterval > base)) {
    // The grid could never move on from here: at this time, the interval is below the clock's precision.
    return reject(
      "invalid-interval",
      intervalField,
      `${intervalField}: ${firstInterval} ms is below the time's precision at ${base} (it would never move the schedule)`,
    );
  }
  // The id is known before the spawn exists, so that a per-spawn createFn can be told it.
  const named = opts?.spawnId;
  const unnamed = named === undefined ? peekSpawnId(program) : undefined;
  const spawnId = named ?? (unnamed as { id: string }).id;
  let state: unknown;
  if (program.scope === "spawn") {
    try {
      state = config.createFn?.({ programId, spawnId });
    } catch (error) {
      return reject("hook-failed", "program.createFn", `program.createFn: threw: ${describe(error)}`);
    }
  }
  return apply(() => {
    // The bound is judged after time arrived: due jobs may have stopped spawns.
    if (program.max !== undefined && program.running.size >= program.max) {
      m.emit({
        type: "refused",
        command,
        code: "max-reached",
        message: `program ${show(programId)} already has max (${program.max}) running spawns`,
      });
      return;
    }
    if (unnamed !== undefined) program.spawnCounter = unnamed.counter;
    program.fresh = false;
    const delay = config.delay === "random" ? nextInt(program.random, firstInterval) : config.delay;
    const spawn: SpawnRecord = {
      id: spawnId,
      programId: program.id,
      program,
      seq: ++m.spawnSeq,
      startedAt: m.now,
      config: sharedConfigOf(config, program.config),
      overrides: hasOverrides(opts) ? opts : undefined,
      status: "created",
      stopReason: undefined,
      inHistory: false,
      updatedAt: m.now,
      interval,
      lastInterval: firstInterval,
      state,
      submitted: 0,
      succeeded: 0,
      errored: 0,
      lost: 0,
      lastError: undefined,
      missed: 0,
      dispatchMark: 0,
      dispatchStarts: 0,
      pending: null,
      parked: false,
      inFlightCount: 0,
      inFlightFirst: null,
      inFlightRest: null,
      buffer: NO_BUFFER,
      skipped: 0,
      runs: 0,
      paused: null,
      endMarker: null,
      latestSeq: 0,
      latestFailed: false,
      latestPayload: undefined,
      latestScheduledAt: 0,
      latestStartedAt: 0,
      latestEndedAt: 0,
      latestRecord: undefined,
      firePrefix: `${program.id}/${spawnId}/`,
      results: config.output === "all" ? [] : undefined,
      prev: null,
      next: null,
    };
    program.running.append(spawn);
    program.spawns.set(spawnId, spawn);
    m.emit({ type: "spawned", programId: program.id, spawnId, startedAt: m.now });
    schedule(m, spawn, firstDue ?? onOrAfter(base + (delay ?? firstInterval), firstInterval, config.startAt));
    if (config.endAt !== undefined) {
      spawn.endMarker = endMarkerOf(spawn, config.endAt);
      m.heap.push(spawn.endMarker);
    }
  });
}

/** The id the next unnamed spawn gets (`<programId>-<n>`) and the counter it uses; nothing is taken yet. */
export function peekSpawnId(program: ProgramRecord): { id: string; counter: number } {
  let counter = program.spawnCounter;
  let id: string;
  do id = `${program.id}-${++counter}`;
  while (program.spawns.has(id));
  return { id, counter };
}

export function prepareUnspawn(m: Machine, programId: string, command: Command): Plan {
  const program = m.programs.get(programId);
  if (program === undefined) return unknownProgram(programId);
  const policyName = program.policy ?? m.defaultPolicy;
  const policy = policyName === undefined ? undefined : m.policies.get(policyName);
  if (policy === undefined) {
    return reject(
      "no-policy",
      "program.policy",
      `program.policy: program ${show(programId)} names no policy and the kernel has no default; register one (policies: [lifo()]) or set defaultPolicy`,
    );
  }
  // Bounds and the policy see the pool as it is once time has arrived.
  return apply(() => unspawn(m, program, policy, command));
}

export function unspawn(m: Machine, program: ProgramRecord, policy: UnspawnPolicy, command: Command): void {
  const programId = program.id;
  const refuse = (code: "min-reached" | "none-running" | "policy-refused", message: string) =>
    m.emit({ type: "refused", command, code, message });
  const count = program.running.size;
  if (count === 0) {
    refuse("none-running", `program ${show(programId)} has no running spawn`);
    return;
  }
  if (program.min !== undefined && count <= program.min) {
    refuse("min-reached", `program ${show(programId)} has ${count} running spawns; min is ${program.min}`);
    return;
  }
  let chosen: unknown;
  let failure: string | undefined;
  try {
    chosen = policy.select(spawnSetOf(program.running));
  } catch (error) {
    failure = `policy ${show(policy.name)} threw: ${describe(error)}`;
  }
  if (failure === undefined && chosen === undefined) {
    refuse("policy-refused", `policy ${show(policy.name)} chose no spawn`);
    return;
  }
  const spawn = typeof chosen === "string" ? program.spawns.get(chosen) : undefined;
  if (failure === undefined && (spawn === undefined || !isRunning(spawn))) {
    failure = `policy ${show(policy.name)} returned ${show(chosen)}, which is not a running spawn of ${show(programId)}`;
  }
  if (failure !== undefined || spawn === undefined) {
    // The one rejection judged after time arrived: the jobs due by now have started, as a tick would have
    // started them; the unspawn itself changes nothing.
    m.emit({
      type: "rejected",
      command,
      code: "policy-failed",
      field: `policy "${policy.name}"`,
      message: failure ?? `policy ${show(policy.name)} failed`,
    });
    return;
  }
  m.emit({ type: "unspawned", programId, spawnId: spawn.id });
  stopSpawn(m, spawn, "unspawn", false);
}

/**
 * `startAt` on a grid aligned by `timeFn`: a first due time before it moves on along the grid to
 * the first point at or after it (`timeFn(base)` may lie before `base`), so no job runs before it.
 */
const onOrAfter = (due: number, interval: number, startAt: number | undefined): number => {
  if (startAt === undefined || !(due < startAt)) return due;
  let next = due + interval * Math.ceil((startAt - due) / interval);
  while (next < startAt) next += interval;
  return next;
};
