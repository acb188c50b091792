/** The `install` command: a program spec checked field by field, copied and frozen, then installed. */
import { describe, show } from "./describe.js";
import { removeProgram } from "./lifecycle.js";
import { configOf } from "./model.js";
import { checkOverlapAndDates } from "./options.js";
import { apply, reject } from "./plan.js";
import { decodeProgramSpec, programSpecKeys } from "./programSchema.js";
import { programSeed, seedRandom } from "./random.js";
import { copyFields } from "./readOnce.js";
import { SpawnList } from "./spawnList.js";
import { checkCronSpec, cronNext } from "./timing.js";
export function prepareInstall(m, input) {
  const copied = copyFields(input, "program", programSpecKeys);
  if (!copied.ok) return reject("invalid-program", copied.field, copied.message);
  const decoded = decodeProgramSpec(copied.value);
  if (!decoded.ok) return reject("invalid-program", decoded.field, decoded.message);
  // The kernel keeps its own copy: a caller changing its object later changes nothing here.
  const spec = Object.freeze(copied.value);
  let cron;
  if (spec.type === "cron") {
    const checked = checkCronSpec(spec);
    if (!checked.ok) return reject("invalid-program", checked.field, checked.message);
    cron = checked.schedule;
    if (Number.isNaN(cronNext(m, cron, 0))) {
      return reject(
        "invalid-program",
        "program.cron",
        `program.cron: ${show(spec.cron)} never matches a date (check the day and month fields)`,
      );
    }
  } else {
    for (const field of ["cron", "timezone"]) {
      if (spec[field] !== undefined) {
        return reject("invalid-program", `program.${field}`, `program.${field}: only allowed with type "cron"`);
      }
    }
    if (spec.interval === undefined) {
      return reject(
        "invalid-program",
        "program.interval",
        "program.interval: required (a positive number of ms or a function)",
      );
    }
  }
  const config = configOf(spec);
  const problem = checkOverlapAndDates(config, spec, "program", "invalid-program");
  if (problem !== undefined) return problem;
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
    return reject(
      "invalid-program",
      "program.min",
      `program.min: must not exceed program.max (min ${spec.min}, max ${spec.max})`,
    );
  }
  if (spec.policy !== undefined && !m.policies.has(spec.policy)) {
    return reject(
      "unknown-policy",
      "program.policy",
      `program.policy: no policy named ${show(spec.policy)} is registered (registered: ${[...m.policies.keys()].join(", ") || "none"})`,
    );
  }
  let state;
  try {
    state = spec.createFn?.({ programId: spec.id, spawnId: null });
  } catch (error) {
    return reject("hook-failed", "program.createFn", `program.createFn: threw: ${describe(error)}`);
  }
  return apply(() => {
    const existing = m.programs.get(spec.id);
    // What a reinstall replaces is said in its `installed` effect: the old spawns stop, the old state goes.
    const replaced =
      existing === undefined
        ? undefined
        : { spawnIds: [...existing.running].map((spawn) => spawn.id), state: existing.state };
    if (existing !== undefined) removeProgram(m, existing, "uninstall");
    m.programs.set(spec.id, {
      id: spec.id,
      spec,
      config,
      scope: spec.scope ?? "program",
      min: spec.min,
      max: spec.max,
      policy: spec.policy,
      cron,
      // A cron program's times come from its schedule; 0 stands for "no interval".
      interval: spec.interval ?? 0,
      state,
      running: new SpawnList(),
      spawns: new Map(),
      history: [],
      counts: { submitted: 0, succeeded: 0, errored: 0 },
      triggers: new Set(),
      spawnCounter: 0,
      random: seedRandom(programSeed(m.seed, spec.id)),
      fresh: true,
      paused: null,
      backfill: null,
    });
    m.emit(
      replaced === undefined
        ? { type: "installed", programId: spec.id }
        : { type: "installed", programId: spec.id, replaced },
    );
  });
}
