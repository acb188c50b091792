/**
 * Pause and resume, of a spawn or of a whole program. A paused spawn starts nothing: its waiting job
 * that comes due is parked (out of the heap, still its waiting job, same due time) and its buffer
 * waits. On resume the parked job is due at once, so what the pause missed follows `misfire`,
 * `catchUpWindow` and `catchUpLimit` as downtime does. Triggers are the program's: they still run.
 */
import { show } from "./describe.js";
import { endHold } from "./jitter.js";
import { startBuffered } from "./jobs.js";
import { isPaused, isRunning } from "./model.js";
import { apply, reject, unknownProgram, unknownSpawn } from "./plan.js";
/** `pause` and `resume`: of the program without `spawnId`, else of that spawn, which must be running. */
export function preparePause(m, command) {
  const program = m.programs.get(command.programId);
  if (program === undefined) return unknownProgram(command.programId);
  const note = command.type === "pause" ? command.note : undefined;
  const pause = command.type === "pause" ? { note } : null;
  const effect = (spawnId) =>
    command.type === "resume"
      ? m.emit({ type: "resumed", programId: program.id, spawnId })
      : m.emit(
          note === undefined
            ? { type: "paused", programId: program.id, spawnId }
            : { type: "paused", programId: program.id, spawnId, note },
        );
  if (command.spawnId === undefined) {
    return apply(() => {
      // Something happened to it: an export may no longer be adopted into it (the pause would be lost).
      program.fresh = false;
      program.paused = pause;
      effect(null);
      // Over a copy: a buffered run that starts may stop its spawn (maxRuns), which leaves the list.
      for (const spawn of [...program.running]) if (isRunning(spawn) && !isPaused(spawn)) unpark(m, spawn);
    });
  }
  const spawn = program.spawns.get(command.spawnId);
  if (spawn === undefined) return unknownSpawn(program, command.spawnId, "command.spawnId");
  if (!isRunning(spawn)) {
    return reject(
      "invalid-command",
      "command.spawnId",
      `command.spawnId: spawn ${show(spawn.id)} of ${show(program.id)} is ${spawn.status}; only a running spawn is paused or resumed`,
    );
  }
  return apply(() => {
    spawn.paused = pause;
    effect(spawn.id);
    if (!isPaused(spawn)) unpark(m, spawn);
  });
}
/** A paused spawn's waiting job came due: it waits out of the heap until the spawn is resumed. */
export function park(m, spawn, job) {
  m.heap.remove(job);
  // Held by jitter: it waits at its due time, and draws again when it is due after the resume.
  endHold(job);
  spawn.parked = true;
}
/** The spawn is not paused any more: its parked job is due again (now or earlier), then its buffer starts. */
function unpark(m, spawn) {
  if (spawn.parked && spawn.pending !== null) m.heap.push(spawn.pending);
  spawn.parked = false;
  if (spawn.inFlightCount === 0 && spawn.buffer.length > 0) startBuffered(m, spawn);
}
