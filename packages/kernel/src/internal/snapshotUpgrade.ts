import { spawnFireId } from "./model.js";
import { programSeed } from "./random.js";

// Version 2 snapshots, read by a version 3 kernel: the data is brought to version 3 before it is
// decoded and checked like any other, so a tampered one is refused the same way.
//
// What version 2 lacks, and what it becomes:
// - one generator for the whole kernel (`random`): it becomes the kernel's `seed`, and each
//   program's own generator starts from it and the program's id, as at install (random delays
//   drawn after the restore differ from those the old version would have drawn);
// - fire ids: a spawn's job's is `<programId>/<spawnId>/<dueAt>`, a trigger's `<programId>/trigger/<id>`
//   (the defaults: a version 2 trigger had no fire id of its own);
// - `lost` counts: 0 (version 2 had no lost outcome);
// - `fresh`: a program with no spawn, no trigger and no job submitted (a trigger that settled
//   before the snapshot cannot be seen).

type Data = Record<string, unknown>;

const isObject = (value: unknown): value is Data => typeof value === "object" && value !== null;

/** The same array with `map` applied to its objects, or the value as it was (the schema then names it). */
const each = (value: unknown, map: (item: Data) => Data): unknown =>
  Array.isArray(value) ? value.map((item) => (isObject(item) ? map(item) : item)) : value;

const withFireId = (job: Data, fireId: () => string): Data => ({ ...job, fireId: fireId() });

const upgradeProgram = (program: Data, seed: unknown): Data => {
  const id = program.id;
  const spawnJob = (spawn: Data) => (job: Data) =>
    withFireId(job, () => spawnFireId(String(id), String(spawn.id), job.dueAt as number));
  const spawns = each(program.spawns, (spawn) => ({
    ...spawn,
    lost: 0,
    pending: isObject(spawn.pending) ? spawnJob(spawn)(spawn.pending) : spawn.pending,
    inFlight: each(spawn.inFlight, spawnJob(spawn)),
  }));
  const triggers = each(program.triggers, (job) => withFireId(job, () => `${String(id)}/trigger/${String(job.id)}`));
  const counts = program.counts;
  const fresh =
    Array.isArray(program.spawns) &&
    program.spawns.length === 0 &&
    Array.isArray(program.triggers) &&
    program.triggers.length === 0 &&
    program.spawnCounter === 0 &&
    isObject(counts) &&
    counts.submitted === 0;
  return {
    ...program,
    ...(typeof id === "string" && typeof seed === "number" ? { random: programSeed(seed, id) } : {}),
    fresh,
    spawns,
    triggers,
  };
};

/** A version 2 snapshot as version 3 data; anything else as it is. */
export const upgradeSnapshot = (data: unknown): unknown => {
  if (!isObject(data) || data.version !== 2) return data;
  const { random, ...rest } = data;
  // A generator's state is 32 bits; anything else is left for the check to refuse.
  const seed =
    Number.isInteger(random) && (random as number) >= 0 && (random as number) <= 0xffffffff ? random : undefined;
  return {
    ...rest,
    version: 3,
    seed: seed ?? random,
    programs: each(data.programs, (program) => upgradeProgram(program, seed)),
  };
};
