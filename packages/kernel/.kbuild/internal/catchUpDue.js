/**
 * A due job against the catch-up window and limit: run it, or report the due times it missed
 * (`missed` effects) and move it on, with the arithmetic of `catchUp.ts`.
 */
import { missOnCron, missOnGrid } from "./catchUp.js";
import { describe } from "./describe.js";
import { fault } from "./lifecycle.js";
import { CRON_MISSED_STEPS } from "./limits.js";
import { checkedCronNext, nextInterval, noProgress } from "./timing.js";
/**
 * The catch-up window and limit, for a spawn's job that is due. True when
 * the job did not start: its due time (and the ones after it that are also
 * missed) went into a `missed` effect and the job moved on.
 */
export function missesDue(m, spawn, job) {
  if (spawn.dispatchMark !== m.dispatchSeq) {
    spawn.dispatchMark = m.dispatchSeq;
    spawn.dispatchStarts = 0;
  }
  const oldest = m.now - spawn.config.catchUpWindow;
  if (job.dueAt < oldest) {
    skipMissed(m, spawn, job, oldest, false, "catch-up-window");
    return true;
  }
  // A spawn's first job in a dispatch is never held back; each further one (a catch-up) spends
  // one of the dispatch's `catchUpLimit`, shared by all spawns in due-time order.
  if (spawn.dispatchStarts > 0 && m.catchUpLeft-- <= 0) {
    skipMissed(m, spawn, job, m.now, true, "catch-up-limit");
    return true;
  }
  spawn.dispatchStarts++;
  return false;
}
/**
 * Moves a spawn's due job past the due times it missed: those before `bound`
 * (the window's start), or up to and including it (now, for the limit). With
 * `misfire: "skip"`, and for `basic` spawns, only the stale due time itself is
 * missed: the spawn goes on from now as it would after any late start.
 */
export function skipMissed(m, spawn, job, bound, inclusive, reason) {
  const from = job.dueAt;
  const cron = spawn.program.cron;
  const catchUp = spawn.config.misfire === "catch-up" && spawn.config.type !== "basic";
  let run;
  if (cron !== undefined) {
    try {
      run = catchUp
        ? missOnCron((t) => checkedCronNext(m, cron, t), from, bound, inclusive, CRON_MISSED_STEPS)
        : { count: 1, last: from, next: checkedCronNext(m, cron, m.now), done: true };
    } catch (error) {
      fault(m, spawn, "invalid-program", `program.cron: ${describe(error)}`, error);
      return;
    }
    spawn.lastInterval = run.next - run.last;
  } else {
    const interval = nextInterval(m, spawn);
    if (interval === undefined) return;
    if (spawn.config.type === "basic") {
      const next = m.now + interval;
      run = next > m.now ? { count: 1, last: from, next, done: true } : undefined;
    } else if (catchUp) {
      run = missOnGrid(from, interval, bound, inclusive);
    } else {
      // Skip: only the stale due time is missed; the grid goes on after now.
      const after = missOnGrid(from, interval, m.now, true);
      run = after === undefined ? undefined : { count: 1, last: from, next: after.next, done: true };
    }
    if (run === undefined) {
      noProgress(m, spawn, interval, from);
      return;
    }
  }
  spawn.missed += run.count;
  job.dueAt = run.next;
  m.emit({
    type: "missed",
    programId: spawn.programId,
    spawnId: spawn.id,
    count: run.count,
    from,
    to: run.last,
    reason,
  });
  if (run.done) {
    m.heap.reposition(job);
  } else {
    // The count stopped at its budget: the rest is counted in the next dispatch (the wake is now).
    m.heap.remove(job);
    m.deferred.push(job);
  }
}
