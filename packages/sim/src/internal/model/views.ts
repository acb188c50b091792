/** What hooks and policies are shown of a spawn: its props (continueFn) and its view (a policy's set). */
import type { SpawnView } from "@schedkit/kernel";
import { SPEC18_FEATURES } from "../features.js";
import { isPausedBy, pauseNoteOf } from "./pause.js";
import type { Spawn } from "./state.js";

export const isPaused = (spawn: Spawn): boolean => isPausedBy(spawn.pause, spawn.program.pause);

export const stateOf = (spawn: Spawn): unknown => (spawn.program.scope === "spawn" ? spawn.state : spawn.program.state);

export const propsOf = (spawn: Spawn) => ({
  startedAt: spawn.startedAt,
  updatedAt: spawn.updatedAt,
  submitted: spawn.submitted,
  succeeded: spawn.succeeded,
  errored: spawn.errored,
  completed: spawn.succeeded + spawn.errored,
  terminating: spawn.status === "terminating",
  interval: spawn.lastInterval,
  lastError: spawn.lastError,
  missed: spawn.missed,
  lost: spawn.lost,
  ...(SPEC18_FEATURES.props
    ? {
        skipped: spawn.skipped,
        buffered: spawn.buffer.length,
        runs: spawn.runs,
        paused: isPaused(spawn),
        pauseNote: pauseNoteOf(spawn.pause, spawn.program.pause),
      }
    : {}),
});

export const viewOf = (spawn: Spawn): SpawnView =>
  Object.freeze({
    id: spawn.id,
    programId: spawn.program.id,
    startedAt: spawn.startedAt,
    inFlight: spawn.active.length,
    submitted: spawn.submitted,
    succeeded: spawn.succeeded,
    errored: spawn.errored,
    completed: spawn.succeeded + spawn.errored,
  });
