import { spawnFireId } from "./model.js";
import { programSeed } from "./random.js";

const isObject = (value) => typeof value === "object" && value !== null;
/** The same array with `map` applied to its objects, or the value as it was (the schema then names it). */
const each = (value, map) => (Array.isArray(value) ? value.map((item) => (isObject(item) ? map(item) : item)) : value);
const withFireId = (job, fireId) => ({ ...job, fireId: fireId() });
const upgradeProgram = (program, seed) => {
  const id = program.id;
  const spawnJob = (spawn) => (job) => withFireId(job, () => spawnFireId(String(id), String(spawn.id), job.dueAt));
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
export const upgradeSnapshot = (data) => {
  if (!isObject(data) || data.version !== 2) return data;
  const { random, ...rest } = data;
  // A generator's state is 32 bits; anything else is left for the check to refuse.
  const seed = Number.isInteger(random) && random >= 0 && random <= 0xffffffff ? random : undefined;
  return {
    ...rest,
    version: 3,
    seed: seed ?? random,
    programs: each(data.programs, (program) => upgradeProgram(program, seed)),
  };
};
