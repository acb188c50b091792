/**
 * Spec 18's pause and resume, as the reference model keeps them: a program and each
 * of its spawns have their own pause (and note); a spawn is paused while it or its
 * program is, and its note is its own, else its program's.
 */

/** One pause: whether it holds, and the note it was given (the latest pause replaces it). */
export interface PauseState {
  paused: boolean;
  note: string | undefined;
}

export const unpaused = (): PauseState => ({ paused: false, note: undefined });

export const pause = (state: PauseState, note: string | undefined): void => {
  state.paused = true;
  state.note = note;
};

export const resume = (state: PauseState): void => {
  state.paused = false;
  state.note = undefined;
};

/** Whether a spawn is paused: it or its program. */
export const isPausedBy = (own: PauseState, program: PauseState): boolean => own.paused || program.paused;

/** A spawn's `pauseNote`: its own note, else its program's, else `null`. */
export const pauseNoteOf = (own: PauseState, program: PauseState): string | null => {
  if (own.paused && own.note !== undefined) return own.note;
  if (program.paused && program.note !== undefined) return program.note;
  return null;
};
