/**
 * An Error made without capturing a stack trace, for the errors the simulator itself makes by the
 * thousand (a job that fails, a poisoned merge, a job lost in a crash). Everything that reads them
 * (the checks, the trace hash, snapshots, reports) reads their name and message only; capturing a
 * stack per failed job was about 6% of a determinism-only sweep. It is still an `Error`, with the
 * same name and message: only its `stack` has no frames.
 */
export const simError = (message: string): Error => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new Error(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
};
