import { MAX_TIME } from "../limits.js";
import { type CheckContext, quote } from "./context.js";
import { checkProgram } from "./program.js";

// The kernel-wide level of the snapshot check: its clock, counters, seed and policies, each
// program in turn, and last the results against the live jobs (every job has been seen by then).

/** The kernel's time, wall offset and history limit, as a snapshot and an export both carry them. */
const checkClock = (ctx: CheckContext, root: string): void => {
  const s = ctx.snapshot;
  ctx.time(s.now, `${root}.now`);
  // The difference of two times in range (wall clock minus kernel time).
  if (!(Math.abs(s.wallOffset) <= 2 * MAX_TIME)) {
    ctx.fail(`${root}.wallOffset`, `expected ms within ±${2 * MAX_TIME}, got ${s.wallOffset}`);
  }
  ctx.count(s.historyLimit, `${root}.historyLimit`);
};

/** A result's job has settled, so no live job (seen anywhere in the kernel) has its number. */
const settledNotLive = (ctx: CheckContext): void => {
  for (const [seq, { path, where }] of ctx.settled) {
    ctx.where = where;
    const live = ctx.jobs.get(seq);
    if (live !== undefined) ctx.fail(path, `job "job-${seq}" has settled, but it is still live at ${live}`);
  }
};

/** One program's part alone (an export, made to look like a snapshot of it), its paths under `root`. */
export const checkPart = (ctx: CheckContext, root: string): void => {
  checkClock(ctx, root);
  const [program] = ctx.snapshot.programs;
  if (program !== undefined) checkProgram(ctx, program, root);
  settledNotLive(ctx);
};

/** A whole snapshot, its paths under `snapshot`. */
export const checkKernel = (ctx: CheckContext): void => {
  const s = ctx.snapshot;
  checkClock(ctx, "snapshot");
  ctx.count(s.regressions, "snapshot.regressions");
  ctx.count(s.jobSeq, "snapshot.jobSeq");
  ctx.count(s.spawnSeq, "snapshot.spawnSeq");
  ctx.count(s.catchUpLimit, "snapshot.catchUpLimit");
  if (s.catchUpLimit < 1) ctx.fail("snapshot.catchUpLimit", "expected a whole number >= 1, got 0");
  ctx.uint32(s.seed, "snapshot.seed", "a 32-bit seed");
  const policies = new Set<string>();
  s.policies.forEach((name, index) => {
    if (name === "" || policies.has(name))
      ctx.fail(`snapshot.policies[${index}]`, `expected a unique policy name, got ${quote(name)}`);
    policies.add(name);
  });
  if (s.defaultPolicy === null && policies.size > 0) {
    ctx.fail("snapshot.defaultPolicy", "a kernel with policies has a default one (the first, unless named)");
  }
  if (s.defaultPolicy !== null && !policies.has(s.defaultPolicy)) {
    ctx.fail("snapshot.defaultPolicy", `${quote(s.defaultPolicy)} is not in snapshot.policies`);
  }
  const ids = new Set<string>();
  s.programs.forEach((program, index) => {
    const path = `snapshot.programs[${index}]`;
    ctx.where = ` (program ${quote(program.id)})`;
    if (program.id === "" || ids.has(program.id))
      ctx.fail(`${path}.id`, `expected a unique program id, got ${quote(program.id)}`);
    ids.add(program.id);
    checkProgram(ctx, program, path);
  });
  settledNotLive(ctx);
};
