/**
 * The reference model's program commands: `install` (a reinstall replaces the old program)
 * and `set-interval`. Each checks everything first, then returns what to apply.
 */
import type { Command, ProgramSpec } from "@schedkit/kernel";
import { cronOf, hooksOf } from "./hooks.js";
import { copyChecked, isInterval, programRules } from "./inputs.js";
import { checkProgramLimits } from "./limits.js";
import { findProgram, findSpawn, runningSpawns } from "./lookups.js";
import { emit, type ModelState } from "./modelState.js";
import { unpaused } from "./pause.js";
import { limitsOf } from "./spec18.js";
import { removeProgram } from "./stopping.js";
import { describe, makeRandom, programSeed } from "./values.js";
import { accept, refuseWith, unknownProgram, unknownSpawn, type Verdict } from "./verdict.js";

export const install = (m: ModelState, input: unknown): Verdict => {
  const copied = copyChecked(input, "program", programRules);
  if (!copied.ok) return refuseWith("invalid-program", copied.field, "invalid program");
  const spec = copied.value as unknown as ProgramSpec;
  let cronMatch: ((wall: number) => number) | undefined;
  if (spec.type === "cron") {
    const cron = cronOf(spec);
    if (!cron.ok) return refuseWith("invalid-program", cron.field, "bad cron program");
    cronMatch = cron.match;
    // An expression that can never match (the 30th of February) is refused now, not at the first spawn.
    const wallOffset = m.wallOffset;
    let first = Number.NaN;
    try {
      first = cron.match(0 + wallOffset) - wallOffset;
    } catch {
      first = Number.NaN;
    }
    if (!(first > 0)) return refuseWith("invalid-program", "program.cron", "never matches");
  } else {
    if (spec.cron !== undefined) return refuseWith("invalid-program", "program.cron", "only with cron");
    if (spec.timezone !== undefined) return refuseWith("invalid-program", "program.timezone", "only with cron");
    if (spec.interval === undefined) return refuseWith("invalid-program", "program.interval", "required");
  }
  // Spec 18's checks across fields come before min/max (as the kernel orders them).
  const limitsRefused = checkProgramLimits(spec.type ?? "basic", spec);
  if (limitsRefused !== undefined) {
    return refuseWith("invalid-program", limitsRefused.field, limitsRefused.message);
  }
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
    return refuseWith("invalid-program", "program.min", "min > max");
  }
  if (spec.policy !== undefined && !m.policies.some((policy) => policy.name === spec.policy)) {
    return refuseWith("unknown-policy", "program.policy", `no policy "${spec.policy}"`);
  }
  let state: unknown;
  try {
    state = spec.createFn === undefined ? undefined : spec.createFn({ programId: spec.id, spawnId: null });
  } catch (error) {
    return refuseWith("hook-failed", "program.createFn", `createFn threw: ${describe(error)}`);
  }
  const interval = spec.interval ?? 0;
  return accept(() => {
    const old = findProgram(m, spec.id);
    // A reinstall says what it replaced: the old program's running spawns and its state.
    const replaced =
      old === undefined ? undefined : { spawnIds: runningSpawns(old).map((each) => each.id), state: old.state };
    if (old !== undefined) removeProgram(m, old, "uninstall");
    m.programs.push({
      id: spec.id,
      hooks: hooksOf(spec),
      scope: spec.scope ?? "program",
      min: spec.min,
      max: spec.max,
      policy: spec.policy,
      interval,
      state,
      spawns: [],
      history: [],
      lastSpawnNumber: 0,
      random: makeRandom(programSeed(m.seed, spec.id)),
      cronMatch,
      pause: unpaused(),
      limits: limitsOf(spec),
      backfill: undefined,
      ownJobs: new Set(),
    });
    emit(
      m,
      replaced === undefined
        ? { type: "installed", programId: spec.id }
        : { type: "installed", programId: spec.id, replaced },
    );
  });
};

/** `set-interval`: the program's and its running spawns' (no `spawnId`), or one spawn's. */
export const changeInterval = (m: ModelState, command: Extract<Command, { type: "set-interval" }>): Verdict => {
  const program = findProgram(m, command.programId);
  if (program === undefined) return unknownProgram(command.programId);
  const interval = command.interval;
  if (!isInterval(interval)) return refuseWith("invalid-interval", "command.interval", "not an interval");
  if (program.cronMatch !== undefined) {
    return refuseWith("invalid-interval", "command.interval", "a cron program");
  }
  const spawnId = command.spawnId;
  if (spawnId === undefined) {
    return accept(() => {
      program.interval = interval;
      for (const each of runningSpawns(program)) {
        each.interval = interval;
        // A number is the spawn's interval from now on, and its props say so at once.
        if (typeof interval === "number") each.lastInterval = interval;
      }
      emit(m, { type: "interval-set", programId: program.id, spawnId: null });
    });
  }
  const target = findSpawn(program, spawnId);
  if (target === undefined) return unknownSpawn(program.id, spawnId);
  return accept(() => {
    target.interval = interval;
    if (typeof interval === "number") target.lastInterval = interval;
    emit(m, { type: "interval-set", programId: program.id, spawnId });
  });
};
