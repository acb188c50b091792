import type { ProgramSnapshot, SpawnSnapshot } from "../snapshotTypes.js";
import { type CheckContext, quote } from "./context.js";
import { checkResult } from "./jobs.js";

/**
 * A spawn's results, once its jobs are checked (`completed`: its succeeded and errored jobs):
 * kept or not as its `output` says, the latest one is the last to complete, and `results`
 * keeps the newest ones.
 */
export const checkSpawnResults = (
  ctx: CheckContext,
  program: ProgramSnapshot,
  spawn: SpawnSnapshot,
  path: string,
  completed: number,
): void => {
  // Its results: the latest one is the last to complete, and `results` keeps the newest ones.
  const output = spawn.overrides?.data.output ?? ctx.specs.get(program.id)?.output ?? "latest";
  if ((spawn.results === null) !== (output !== "all")) {
    ctx.fail(
      `${path}.results`,
      output === "all"
        ? 'the spawn keeps all its results (output "all"); got null'
        : `the spawn keeps only its latest result (output ${quote(output)}); expected null`,
    );
  }
  const latest = spawn.latestResult;
  if ((latest === null) !== (completed === 0)) {
    ctx.fail(
      `${path}.latestResult`,
      latest === null ? `${completed} jobs completed, but there is no latest result` : "no job completed yet",
    );
  }
  if (latest !== null) {
    checkResult(ctx, latest, `${path}.latestResult`, path);
    if (spawn[latest.status] === 0) ctx.fail(`${path}.latestResult.status`, `but ${latest.status} is 0`);
  }
  const updatedAt = latest === null ? spawn.startedAt : latest.endedAt;
  if (spawn.updatedAt !== updatedAt) {
    ctx.fail(
      `${path}.updatedAt`,
      latest === null
        ? `no job completed yet, so it is the start time (${updatedAt}); got ${spawn.updatedAt}`
        : `the latest result ended at ${updatedAt}; got ${spawn.updatedAt}`,
    );
  }
  if (spawn.results !== null) {
    const kept = Math.min(completed, ctx.snapshot.historyLimit);
    if (spawn.results.length !== kept) {
      ctx.fail(
        `${path}.results`,
        `${completed} jobs completed, so the newest ${kept} are kept; got ${spawn.results.length}`,
      );
    }
    const jobIds = new Set<string>();
    spawn.results.forEach((result, index) => {
      const resultPath = `${path}.results[${index}]`;
      if (jobIds.has(result.jobId)) ctx.fail(`${resultPath}.jobId`, `${quote(result.jobId)} is listed twice`);
      jobIds.add(result.jobId);
      checkResult(ctx, result, resultPath, path);
    });
    const last = spawn.results.at(-1);
    if (last !== undefined && latest !== null && last.jobId !== latest.jobId) {
      ctx.fail(
        `${path}.results[${spawn.results.length - 1}].jobId`,
        `the newest result is the latest one, ${quote(latest.jobId)}`,
      );
    }
  }
};
