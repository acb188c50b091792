import { SchedkitError } from "../SchedkitError.js";
import { Machine } from "./machine.js";
import { configOf } from "./model.js";
import { decodeProgramSpec, programSpecKeys } from "./programSchema.js";
import { copyFields } from "./readOnce.js";
import { rebuildProgram } from "./rebuild.js";
import { checkSnapshot } from "./snapshotCheck.js";
import {
  decodeSnapshot,
  intervalRef,
  jobSnapshot,
  pauseData,
  present,
  programField,
  spawnSnapshot,
  toJsonData,
} from "./snapshotData.js";
import { upgradeSnapshot } from "./snapshotUpgrade.js";
import { cronOf } from "./timing.js";

export { toJsonData } from "./snapshotData.js";
/**
 * The kernel's state as JSON data. Throws `invalid-snapshot` naming the
 * program, the spawn and the part (state, lastError, a result's value or
 * error, an override) that JSON cannot hold.
 */
export const snapshotOf = (machine) => {
  if (machine.isDispatching) {
    // From inside a hook: the command in progress is half applied, and its snapshot would not restore.
    throw new SchedkitError(
      "invalid-snapshot",
      "snapshot: taken from inside a hook while this kernel is applying a command; take it after the dispatch",
      { field: "snapshot" },
    );
  }
  return snapshotData(machine);
};
const snapshotData = (machine) => ({
  version: 3,
  now: machine.now,
  regressions: machine.regressions,
  wallOffset: machine.wallOffset,
  jobSeq: machine.jobSeq,
  spawnSeq: machine.spawnSeq,
  seed: machine.seed,
  historyLimit: machine.historyLimit,
  catchUpLimit: machine.catchUpLimit,
  policies: [...machine.policies.keys()],
  defaultPolicy: machine.defaultPolicy ?? null,
  programs: [...machine.programs.values()].map((program) => ({
    id: program.id,
    type: program.config.type,
    scope: program.scope,
    interval: intervalRef(program.interval, program.spec.interval, undefined),
    ...present("state", toJsonData(program.state, `${programField(program.id)}.state`)),
    counts: { ...program.counts },
    spawnCounter: program.spawnCounter,
    random: program.random.state,
    fresh: program.fresh,
    ...(program.paused === null ? {} : { paused: pauseData(program.paused) }),
    ...(program.backfill === null
      ? {}
      : { backfill: { overlap: program.backfill.overlap, queue: program.backfill.queue.map(jobSnapshot) } }),
    spawns: [...program.spawns.values()].map(spawnSnapshot),
    running: [...program.running].map((spawn) => spawn.id),
    history: program.history.map((spawn) => spawn.id),
    triggers: [...program.triggers].map(jobSnapshot),
  })),
});
/** `record[key]` when it is the record's own (an id such as `"__proto__"` finds nothing inherited). */
const own = (record, key) => (record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined);
const mismatch = (field, message) => new SchedkitError("restore-mismatch", `${field}: ${message}`, { field });
/**
 * A kernel from a snapshot and the programs' specs. The snapshot is copied
 * (the kernel shares nothing with the caller's object) and decoded (its
 * shape); the specs are copied and decoded as at install; then the snapshot is
 * checked for consistency, with itself and with the specs (see
 * `checkSnapshot`), before anything is built: a tampered snapshot is refused,
 * never restored into a corrupted kernel.
 */
export const restoreMachine = (input, programs, options = {}) => {
  // A version 2 snapshot (one generator for the whole kernel) is brought to version 3 first.
  const decoded = decodeSnapshot(upgradeSnapshot(toJsonData(input, "snapshot")));
  if (!decoded.ok) throw new SchedkitError("invalid-snapshot", decoded.message, { field: decoded.field });
  const snapshot = decoded.value;
  const given = new Map(Array.isArray(programs) ? programs.map((spec) => [spec.id, spec]) : Object.entries(programs));
  const specs = new Map();
  for (const saved of snapshot.programs) {
    const input = given.get(saved.id);
    if (input === undefined) throw mismatch(`programs.${saved.id}`, "the snapshot has this program; pass its spec");
    // As at install: the kernel keeps its own frozen copy of the spec, each field read once.
    const copied = copyFields(input, "program", programSpecKeys);
    if (!copied.ok) throw new SchedkitError("invalid-program", copied.message, { field: copied.field });
    const checked = decodeProgramSpec(copied.value);
    if (!checked.ok) throw new SchedkitError("invalid-program", checked.message, { field: checked.field });
    const spec = Object.freeze(copied.value);
    if (spec.id !== saved.id) throw mismatch(`programs.${saved.id}.id`, `the spec's id is "${spec.id}"`);
    specs.set(saved.id, spec);
  }
  checkSnapshot(snapshot, specs);
  // Exactly the snapshot's policies, in its order: extra ones would change the default and what installs accept.
  const byName = new Map((options.policies ?? []).map((policy) => [policy?.name, policy]));
  const policies = snapshot.policies.map((name) => {
    const policy = byName.get(name);
    if (policy === undefined) {
      throw mismatch("options.policies", `the snapshot's kernel had a policy named "${name}"; pass it`);
    }
    return policy;
  });
  const machine = new Machine({
    policies,
    ...(snapshot.defaultPolicy === null ? {} : { defaultPolicy: snapshot.defaultPolicy }),
    historyLimit: snapshot.historyLimit,
    catchUpLimit: snapshot.catchUpLimit,
    seed: snapshot.seed,
  });
  machine.now = snapshot.now;
  machine.regressions = snapshot.regressions;
  machine.wallOffset = snapshot.wallOffset;
  machine.jobSeq = snapshot.jobSeq;
  machine.spawnSeq = snapshot.spawnSeq;
  for (const saved of snapshot.programs) {
    const spec = specs.get(saved.id);
    const base = { spec, config: configOf(spec), cron: cronOf(spec) };
    const { program, jobs } = rebuildProgram(base, saved, own(options.spawnOverrides, saved.id), {
      programInterval: `programs.${saved.id}.interval`,
      spawnInterval: (spawnId) => `spawns.${saved.id}.${spawnId}.interval`,
      override: (spawnId, name) => `options.spawnOverrides.${saved.id}.${spawnId}.${name}`,
    });
    machine.programs.set(program.id, program);
    // Back in the heap (waiting) or the in-flight table, under their own numbers and ids.
    for (const { record, place } of jobs) {
      record.id = `job-${record.seq}`;
      if (place === "heap") machine.heap.push(record);
      else if (place === "inFlight") machine.inFlight.add(record);
    }
  }
  return machine;
};
