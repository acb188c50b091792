import type { ProgramSnapshot, SpawnSnapshot } from "../snapshotTypes.js";
import { type CheckContext, quote } from "./context.js";
import { checkJob } from "./jobs.js";
import { checkSpawn } from "./spawn.js";

/**
 * One program: what its spec says (type, scope), its own fields, then each spawn in turn
 * (unique ids and numbers, in the order made), the running and history lists against the
 * spawns' statuses, and last its triggers and backfill queue.
 */
export const checkProgram = (ctx: CheckContext, program: ProgramSnapshot, path: string): void => {
  ctx.where = ` (program ${quote(program.id)})`;
  // First what the spec says: every other check reads the type and the scope.
  const spec = ctx.specs.get(program.id);
  const type = spec?.type ?? "basic";
  const scope = spec?.scope ?? "program";
  if (spec !== undefined && program.type !== type) {
    ctx.fail(`${path}.type`, `${quote(program.type)}, but the spec passed for the program has type ${quote(type)}`);
  }
  if (spec !== undefined && program.scope !== scope) {
    ctx.fail(`${path}.scope`, `${quote(program.scope)}, but the spec passed for the program has scope ${quote(scope)}`);
  }
  ctx.interval(program.interval, program.type, `${path}.interval`);
  if (typeof program.interval !== "number" && program.interval.fn === "override") {
    ctx.fail(`${path}.interval`, 'a program has no overrides; expected a number, "spec" or "set-interval"');
  }
  const { counts } = program;
  for (const key of ["submitted", "succeeded", "errored"] as const) ctx.count(counts[key], `${path}.counts.${key}`);
  if (counts.succeeded + counts.errored > counts.submitted) {
    ctx.fail(
      `${path}.counts.submitted`,
      `${counts.submitted} jobs submitted, but ${counts.succeeded} succeeded and ${counts.errored} errored`,
    );
  }
  ctx.count(program.spawnCounter, `${path}.spawnCounter`);
  ctx.uint32(program.random, `${path}.random`, "the generator's 32-bit state");
  if (
    program.fresh &&
    (program.spawns.length > 0 || program.triggers.length > 0 || program.spawnCounter > 0 || counts.submitted > 0)
  ) {
    ctx.fail(`${path}.fresh`, "a program with spawns, triggers or submitted jobs is not fresh");
  }

  const spawns = new Map<string, { spawn: SpawnSnapshot; path: string }>();
  const sums = { submitted: 0, succeeded: 0, errored: 0 };
  let previousSeq = 0;
  program.spawns.forEach((spawn, index) => {
    const spawnPath = `${path}.spawns[${index}]`;
    ctx.where = ` (program ${quote(program.id)}, spawn ${quote(spawn.id)})`;
    if (spawn.id === "" || spawns.has(spawn.id)) {
      ctx.fail(`${spawnPath}.id`, `expected a spawn id unique in its program, got ${quote(spawn.id)}`);
    }
    spawns.set(spawn.id, { spawn, path: spawnPath });
    const { spawnSeq } = ctx.snapshot;
    if (spawn.seq < 1 || spawn.seq > spawnSeq) {
      ctx.fail(`${spawnPath}.seq`, `${spawn.seq} is not the number of a spawn this kernel made (1 to ${spawnSeq})`);
    }
    const other = ctx.spawnSeqs.get(spawn.seq);
    if (other !== undefined) ctx.fail(`${spawnPath}.seq`, `spawn number ${spawn.seq} is also ${other}`);
    ctx.spawnSeqs.set(spawn.seq, spawnPath);
    if (spawn.seq < previousSeq) {
      ctx.fail(
        `${spawnPath}.seq`,
        `a program's spawns are in the order they were made; ${spawn.seq} follows ${previousSeq}`,
      );
    }
    previousSeq = spawn.seq;
    checkSpawn(ctx, program, spawn, spawnPath);
    sums.submitted += spawn.submitted;
    sums.succeeded += spawn.succeeded;
    sums.errored += spawn.errored;
  });
  ctx.where = ` (program ${quote(program.id)})`;
  for (const key of ["submitted", "succeeded", "errored"] as const) {
    if (counts[key] < sums[key]) {
      ctx.fail(
        `${path}.counts.${key}`,
        `the program's counts cover every spawn it has had, but its spawns listed here alone have ${key} ${sums[key]} (counts say ${counts[key]})`,
      );
    }
  }

  const listed = (list: "running" | "history"): Set<string> => {
    const seen = new Set<string>();
    program[list].forEach((id, index) => {
      const where = `${path}.${list}[${index}]`;
      const entry = spawns.get(id);
      if (entry === undefined) ctx.fail(where, `${quote(id)} is not one of the program's spawns`);
      if (seen.has(id)) ctx.fail(where, `spawn ${quote(id)} is listed twice`);
      seen.add(id);
      const { status, inHistory } = entry.spawn;
      const live = status === "created" || status === "running";
      if (list === "running" && !live) ctx.fail(where, `spawn ${quote(id)} is ${status}, not running (${entry.path})`);
      if (list === "history" && (live || !inHistory)) {
        ctx.fail(where, `spawn ${quote(id)} is ${status}${inHistory ? "" : " and not inHistory"} (${entry.path})`);
      }
    });
    return seen;
  };
  const running = listed("running");
  const history = listed("history");
  let previous = 0;
  program.running.forEach((id, index) => {
    const seq = spawns.get(id)?.spawn.seq ?? 0;
    if (seq < previous) ctx.fail(`${path}.running[${index}]`, "running spawns are listed oldest first");
    previous = seq;
  });
  if (program.history.length > ctx.snapshot.historyLimit) {
    ctx.fail(
      `${path}.history`,
      `${program.history.length} stopped spawns kept, more than historyLimit (${ctx.snapshot.historyLimit})`,
    );
  }
  for (const [id, { spawn }] of spawns) {
    if ((spawn.status === "created" || spawn.status === "running") && !running.has(id)) {
      ctx.fail(`${path}.running`, `spawn ${quote(id)} is ${spawn.status} but not listed`);
    }
    if (spawn.inHistory && !history.has(id))
      ctx.fail(`${path}.history`, `spawn ${quote(id)} is inHistory but not listed`);
  }

  let previousTrigger = 0;
  program.triggers.forEach((job, index) => {
    const jobPath = `${path}.triggers[${index}]`;
    checkJob(ctx, job, jobPath, undefined);
    // A backfill's runs join the triggers in turn (numbered when the backfill started): only the others are in order.
    if (job.backfill === true) return;
    if (job.seq < previousTrigger) ctx.fail(`${jobPath}.seq`, "triggers are listed in the order they were made");
    previousTrigger = job.seq;
  });
  program.backfill?.queue.forEach((job, index) => {
    const jobPath = `${path}.backfill.queue[${index}]`;
    checkJob(ctx, job, jobPath, false, `${program.id}/backfill/${job.dueAt}`);
    if (job.backfill !== true) ctx.fail(`${jobPath}.backfill`, "a backfill's run is marked backfill: true");
  });
};
