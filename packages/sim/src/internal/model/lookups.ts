/**
 * The reference model's lookups: programs and spawns by id, which spawns are still known,
 * and the end-at index (the running spawn due to stop first), which checks itself against
 * the scan it replaces under `verify`.
 */
import type { ModelState } from "./modelState.js";
import { isRunning, type Program, type Spawn } from "./state.js";

export const findProgram = (m: ModelState, id: string): Program | undefined =>
  m.programs.find((program) => program.id === id);

/** A spawn is known while it is not stopped, or while the history keeps it. */
export const isKnown = (spawn: Spawn): boolean => spawn.status !== "stopped" || spawn.kept;

export const forgetUnknown = (program: Program): void => {
  program.spawns = program.spawns.filter(isKnown);
};

export const findSpawn = (program: Program, id: string): Spawn | undefined =>
  program.spawns.find((spawn) => spawn.id === id && isKnown(spawn));

export const runningSpawns = (program: Program): Spawn[] => program.spawns.filter(isRunning);

/** A job id the model issued (in flight or not): "job-" and a number without leading zeros, up to the last one. */
export const wasIssued = (m: ModelState, jobId: string): boolean => {
  const issued = /^job-([1-9]\d*)$/.exec(jobId);
  return issued !== null && Number(issued[1]) <= m.jobsIssued;
};

/** The running spawn with the first `endAt`, by (endAt, creation order): it is due to stop at it. */
export const firstEndDeadline = (m: ModelState): Spawn | undefined => {
  const withEndAt = m.withEndAt;
  if (withEndAt.size === 0 && !m.verify) return undefined;
  let best: Spawn | undefined;
  for (const spawn of withEndAt) {
    // A spawn stops running once and for all: it leaves the set.
    if (!isRunning(spawn)) withEndAt.delete(spawn);
    else if (best === undefined || endsBefore(spawn, best)) best = spawn;
  }
  if (m.verify && best !== scanEndDeadline(m)) {
    throw new Error("reference model: the end-at set disagrees with a scan");
  }
  return best;
};

const endsBefore = (spawn: Spawn, best: Spawn): boolean => {
  const endAt = spawn.hooks.endAt as number;
  const bestEnd = best.hooks.endAt as number;
  return endAt - bestEnd < 0 || (endAt === bestEnd && spawn.seq < best.seq);
};

/** The scan `firstEndDeadline` replaces (for `verify`). */
const scanEndDeadline = (m: ModelState): Spawn | undefined => {
  let best: Spawn | undefined;
  for (const program of m.programs) {
    for (const spawn of program.spawns) {
      const endAt = spawn.hooks.endAt;
      if (endAt === undefined || !isRunning(spawn)) continue;
      const bestEnd = best?.hooks.endAt;
      if (
        best === undefined ||
        bestEnd === undefined ||
        endAt - bestEnd < 0 ||
        (endAt === bestEnd && spawn.seq < best.seq)
      ) {
        best = spawn;
      }
    }
  }
  return best;
};
