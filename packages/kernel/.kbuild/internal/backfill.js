/**
 * Backfill: a program's due times in `[from, to)` (its cron matches, or its `constant` grid
 * `from + k * interval`), run now as one-off jobs of the program, outside the spawns' grids, each
 * with its own fire id (`<programId>/backfill/<scheduledAt>`) and `scheduledAt`. The overlap policy
 * given applies among the backfill's own runs (Temporal's backfill): `"buffer-all"` (the default)
 * runs them one after the other; `"allow"` all at once; `"skip"` the first only; `"buffer-one"`
 * the first two; `"cancel-other"` each cancels the one before. Not limited by `catchUpWindow` (it
 * is an explicit request), and by `bufferLimit` instead of `catchUpLimit`. One at a time per program.
 */
import { show } from "./describe.js";
import { newJob } from "./jobs.js";
import { emitCancel } from "./lifecycle.js";
import { apply, reject, unknownProgram } from "./plan.js";
import { cronNext } from "./timing.js";
/** The fire id of a backfill's run: the same for the same due time, whichever backfill runs it. */
export const backfillFireId = (programId, scheduledAt) => `${programId}/backfill/${scheduledAt}`;
export function prepareBackfill(m, command, at) {
  const program = m.programs.get(command.programId);
  if (program === undefined) return unknownProgram(command.programId);
  const { from, to } = command;
  if (program.config.type === "basic") {
    return reject(
      "invalid-command",
      "backfill.programId",
      `backfill.programId: ${show(program.id)} is a basic program: its due times follow its completions, there are none to backfill`,
    );
  }
  if (program.backfill !== null) {
    return reject(
      "invalid-command",
      "backfill.programId",
      `backfill.programId: a backfill of ${show(program.id)} is still running; backfill again when it is done`,
    );
  }
  if (!(to > from))
    return reject("invalid-command", "backfill.to", `backfill.to: must be after from (${from}), got ${to}`);
  if (to > at) {
    return reject(
      "invalid-command",
      "backfill.to",
      `backfill.to: ${to} is in the future (now is ${at}); a backfill runs due times that have passed`,
    );
  }
  const limit = program.config.bufferLimit;
  const due = dueTimesIn(m, program, from, to, limit + 1);
  if (!due.ok) return reject("invalid-command", due.field, due.message);
  if (due.times.length > limit) {
    return reject(
      "invalid-command",
      "backfill.to",
      `backfill.to: [${from}, ${to}) holds more than bufferLimit (${limit}) due times of ${show(program.id)}; backfill a shorter range`,
    );
  }
  const overlap = command.overlap ?? "buffer-all";
  return apply(() => startBackfill(m, program, overlap, from, to, due.times));
}
/** The due times in `[from, to)`, at most `most` of them. */
const dueTimesIn = (m, program, from, to, most) => {
  const times = [];
  const cron = program.cron;
  if (cron !== undefined) {
    let t = cronNext(m, cron, from - 1);
    while (t < from) t = cronNext(m, cron, t);
    for (; t < to && times.length < most; t = cronNext(m, cron, t)) times.push(t);
    return { ok: true, times };
  }
  const interval = program.interval;
  if (typeof interval !== "number") {
    return {
      ok: false,
      field: "backfill.programId",
      message: `backfill.programId: ${show(program.id)} has an interval function; a backfill needs its due times without calling it (set a number with set-interval)`,
    };
  }
  for (let k = 0; times.length < most; k++) {
    const t = from + k * interval;
    if (!(t < to)) break;
    times.push(t);
  }
  return { ok: true, times };
};
function startBackfill(m, program, overlap, from, to, times) {
  program.fresh = false;
  m.emit({
    type: "backfilled",
    programId: program.id,
    from,
    to,
    runs: times.map((scheduledAt) => ({ fireId: backfillFireId(program.id, scheduledAt), scheduledAt })),
  });
  const backfill = { overlap, queue: [] };
  program.backfill = backfill;
  // How many runs may wait behind the first: all but the skipped ones.
  const waiting = overlap === "skip" ? 0 : overlap === "buffer-one" ? 1 : times.length;
  times.forEach((scheduledAt, index) => {
    if (index > waiting) {
      m.emit({
        type: "skipped",
        programId: program.id,
        spawnId: null,
        fireId: backfillFireId(program.id, scheduledAt),
        scheduledAt,
        reason: overlap === "skip" ? "overlap" : "buffer-full",
      });
      return;
    }
    const job = newJob(m, program, null, scheduledAt);
    job.fireId = backfillFireId(program.id, scheduledAt);
    job.backfill = true;
    // All at once (allow, cancel-other): due now, in order. Else the first now, the rest in turn.
    if (index === 0 || overlap === "allow" || overlap === "cancel-other") release(m, program, job);
    else backfill.queue.push(job);
  });
  if (times.length === 0) program.backfill = null;
}
/** A run of the backfill becomes due (its due time has passed: it starts in this dispatch). */
function release(m, program, job) {
  program.triggers.add(job);
  m.heap.push(job);
}
/** A backfill's run starts: with `"cancel-other"`, the backfill's run in flight is cancelled first. */
export function backfillStarts(m, job) {
  const program = job.program;
  if (program.backfill?.overlap !== "cancel-other") return;
  for (const other of [...program.triggers]) {
    if (!other.backfill || other === job || Number.isNaN(other.startedAt)) continue;
    program.triggers.delete(other);
    m.inFlight.delete(other.seq);
    other.args = undefined;
    emitCancel(m, other, "overlap", true);
  }
}
/** A backfill's run settled (or was lost): the next one in turn starts; the backfill ends with its last run. */
export function backfillSettled(m, program) {
  const backfill = program.backfill;
  if (backfill === null) return;
  const next = backfill.queue.shift();
  if (next !== undefined) {
    release(m, program, next);
    return;
  }
  for (const job of program.triggers) if (job.backfill) return;
  program.backfill = null;
}
/** Uninstall and clear: the runs still held back are cancelled. */
export function cancelBackfillQueue(m, program, reason) {
  for (const job of program.backfill?.queue ?? []) emitCancel(m, job, reason, false);
  program.backfill = null;
}
