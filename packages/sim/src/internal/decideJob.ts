import type { Outcome } from "@schedkit/kernel";
import type { JobBehaviour } from "../types.js";
import { continueHash32, continueHash32Decimal, finishHash32, hash32Prefix } from "./hash.js";
import { simError } from "./simError.js";

/** One draw in [0, 1) of the job whose prefix state is `prefix` (a function, not a closure per job). */
const drawAfter = (prefix: number, what: string): number => finishHash32(prefix, what) / 4294967296;

/**
 * What the simulated host does with one job: hang, or finish after `duration`
 * ms with an outcome. A pure function of the seed, the behaviour and the job,
 * so replays (and the runner in conformance tests) decide the same.
 *
 * Each draw is `draw(seed, "<jobId>@<startedAt>:<what>")`; the hash of the shared
 * prefix is computed once (the values are the same as hashing each key whole).
 */
export const decideJob = (
  seed: number,
  behaviour: JobBehaviour,
  jobId: string,
  startedAt: number,
): "hang" | { readonly duration: number; readonly outcome: Outcome } => {
  // The prefix `<jobId>@<startedAt>:` hashed piece by piece (FNV-1a runs on in order): no string made per job.
  const prefix = continueHash32(continueHash32Decimal(continueHash32(hash32Prefix(seed, jobId), "@"), startedAt), ":");
  if (drawAfter(prefix, "hang") < behaviour.hangRate) return "hang";
  let duration =
    behaviour.minDuration + drawAfter(prefix, "duration") * (behaviour.maxDuration - behaviour.minDuration);
  if (drawAfter(prefix, "slow") < behaviour.slowRate) duration *= behaviour.slowFactor;
  const outcome: Outcome =
    drawAfter(prefix, "fail") < behaviour.failRate
      ? { ok: false, error: simError(`job ${jobId} failed`) }
      : {
          ok: true,
          value: { n: finishHash32(prefix, "n") % 10, poison: drawAfter(prefix, "merge") < behaviour.mergeThrowRate },
        };
  return { duration: Math.round(duration), outcome };
};
