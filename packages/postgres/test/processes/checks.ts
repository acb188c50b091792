/**
 * The real-process fault tests' checks (issue #17), read from the database and
 * the nodes' own logs of a `Fleet` (`harness.ts`): who owns what, how long a
 * takeover took, and whether every due time was recorded, run and completed.
 */
import { expect } from "vitest";
import { PROGRAMS } from "./fleet.js";
import { type FireRow, type Fleet, type LeaseRow, type Run, sleep, waitFor } from "./harness.js";

const intervalOf = new Map(PROGRAMS.map((program) => [program.id, program.interval]));

/** The node that owns the most shards with programs on them, and the shards (with epochs) it holds. */
export const pickOwner = async (running: Fleet): Promise<{ victim: string; held: Map<number, number> }> => {
  const programShards = new Set((await running.fires()).map((fire) => fire.shard));
  const leases = (await running.leases()).filter((lease) => lease.owner !== null && lease.left > 0);
  const counts = new Map<string, number>();
  for (const lease of leases) {
    if (lease.owner !== null && programShards.has(lease.shard)) {
      counts.set(lease.owner, (counts.get(lease.owner) ?? 0) + 1);
    }
  }
  const victim = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (victim === undefined) throw new Error(`no node owns a shard with fires: ${JSON.stringify(leases)}`);
  const held = new Map(leases.filter((lease) => lease.owner === victim).map((lease) => [lease.shard, lease.epoch]));
  return { victim, held };
};

/**
 * Polls the leases from `since` until every shard in `held` has a live owner
 * other than `victim` at a newer epoch; returns, per shard, when that was seen
 * (ms after `since`), the new owner and epoch.
 */
export const watchTakeover = async (
  running: Fleet,
  victim: string,
  held: Map<number, number>,
  since: number,
  timeout: number,
): Promise<Map<number, { after: number; at: number; owner: string; epoch: number }>> => {
  const taken = new Map<number, { after: number; at: number; owner: string; epoch: number }>();
  await waitFor(
    `the shards of ${victim} (${[...held.keys()].join(", ")}) to be owned again`,
    async () => {
      const now = Date.now();
      for (const lease of await running.leases()) {
        const old = held.get(lease.shard);
        if (old === undefined || taken.has(lease.shard)) continue;
        if (lease.owner !== null && lease.owner !== victim && lease.left > 0 && lease.epoch > old) {
          taken.set(lease.shard, { after: now - since, at: now, owner: lease.owner, epoch: lease.epoch });
        }
      }
      return taken.size === held.size ? true : undefined;
    },
    timeout,
    25,
  );
  return taken;
};

/**
 * Samples the leases every 25 ms in the background (a failed read, e.g. while
 * the server is down, is no sample), for questions asked afterwards.
 */
export class LeaseSampler {
  readonly samples: { readonly at: number; readonly leases: readonly LeaseRow[] }[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly fleet: Fleet) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const leases = await this.fleet.leases();
        this.samples.push({ at: Date.now(), leases });
      } catch {
        // No sample.
      }
      await sleep(25);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** The first sample at or after `since` where `shard` has a live owner that `accept` takes. */
  firstOwned(
    shard: number,
    since: number,
    accept: (lease: LeaseRow) => boolean = () => true,
  ): { at: number; lease: LeaseRow } | undefined {
    for (const sample of this.samples) {
      if (sample.at < since) continue;
      const lease = sample.leases.find((row) => row.shard === shard);
      if (lease !== undefined && lease.owner !== null && lease.left > 0 && accept(lease)) {
        return { at: sample.at, lease };
      }
    }
    return undefined;
  }

  /** Per shard, the longest run of samples from `since` on with no live owner (ms, first such sample to the next owned one). */
  longestOwnerless(since: number): Map<number, number> {
    const longest = new Map<number, number>();
    const from = new Map<number, number>();
    for (const sample of this.samples) {
      if (sample.at < since) continue;
      for (const lease of sample.leases) {
        const owned = lease.owner !== null && lease.left > 0;
        const start = from.get(lease.shard);
        if (!owned && start === undefined) from.set(lease.shard, sample.at);
        if (owned && start !== undefined) {
          longest.set(lease.shard, Math.max(longest.get(lease.shard) ?? 0, sample.at - start));
          from.delete(lease.shard);
        }
      }
    }
    const last = this.samples.at(-1)?.at ?? since;
    for (const [shard, start] of from) longest.set(shard, Math.max(longest.get(shard) ?? 0, last - start));
    return longest;
  }
}

/** A spawn's consecutive recorded fires: why their gap is wrong, or undefined. */
export type GapRule = (previous: FireRow, next: FireRow) => string | undefined;

/** The default grid: consecutive due times differ by the program's interval. */
export const intervalGap: GapRule = (previous, next) => {
  const interval = intervalOf.get(previous.programId) ?? Number.NaN;
  return next.scheduledAt - previous.scheduledAt === interval ? undefined : `off the ${interval} ms grid`;
};

/**
 * The checks every scenario ends with, from the database and the nodes' own
 * logs, at `now` (the test's clock; the nodes run on the same machine):
 * - each program has one spawn whose recorded due times form its grid (consecutive
 *   `scheduled_at` differ by the interval, or as `options.gap` says, first to last)
 *   and reach the last second (by `options.lastInterval`, default the program's interval);
 * - every fire due before the last second is completed;
 * - every job a node ran was recorded first, and every recorded fire due before
 *   the last second was run by some node;
 * - a fire id run more than once was rerun by a new owner (a later epoch), never
 *   twice under one epoch, and its first run is one that `allowRerunOf` allows.
 */
export const checkFires = async (
  running: Fleet,
  now: number,
  allowRerunOf: (first: Run) => boolean,
  options: { readonly gap?: GapRule; readonly lastInterval?: (programId: string) => number } = {},
): Promise<{ fires: number; reruns: string[] }> => {
  // The logs first, then the database: a node logs a job only after its fire is recorded, so every
  // line read is in the snapshot that follows (the nodes are still running).
  const logs = running.nodes().map((node) => ({ node, jobs: running.jobs(node), events: running.events(node) }));
  const fires = await running.fires();
  const byId = new Map(fires.map((fire) => [fire.fireId, fire]));
  const gapRule = options.gap ?? intervalGap;

  const spawns = new Map<string, FireRow[]>();
  for (const fire of fires) {
    expect(fire.spawnId, `fire ${fire.fireId} has a spawn`).not.toBeNull();
    const key = `${fire.programId}/${fire.spawnId}`;
    spawns.set(key, [...(spawns.get(key) ?? []), fire]);
  }
  expect([...spawns.keys()].map((key) => key.split("/")[0]).sort()).toEqual(
    PROGRAMS.map((program) => program.id).sort(),
  );
  for (const [key, list] of spawns) {
    const programId = list[0]?.programId ?? "";
    const ordered = [...list].sort((a, b) => a.scheduledAt - b.scheduledAt);
    const gaps = ordered.slice(1).flatMap((fire, index) => {
      const previous = ordered[index];
      const problem = previous === undefined ? undefined : gapRule(previous, fire);
      return problem === undefined
        ? []
        : [
            `${previous?.scheduledAt} (epoch ${previous?.epoch}) -> ${fire.scheduledAt} (epoch ${fire.epoch}): ${problem}`,
          ];
    });
    expect(gaps, `${key}: due times off its grid`).toEqual([]);
    const interval = options.lastInterval?.(programId) ?? intervalOf.get(programId) ?? Number.NaN;
    expect(now - (ordered.at(-1)?.scheduledAt ?? 0), `${key}: its last recorded due time is recent`).toBeLessThan(
      1_000 + interval,
    );
  }

  const unfinished = fires.filter((fire) => fire.completed === null && fire.scheduledAt < now - 1_000);
  expect(
    unfinished.map((fire) => `${fire.fireId} (${fire.node}, epoch ${fire.epoch})`),
    "fires due before the last second that are not completed",
  ).toEqual([]);

  // Runs, from each node's own logs: its job lines and the epochs its runner ran them under.
  const runs = new Map<string, Run[]>();
  for (const { node, jobs, events } of logs) {
    const epochs = new Map<string, number[]>();
    for (const event of events) {
      if (event.type === "run" && event.fireId !== undefined && event.epoch !== undefined) {
        epochs.set(event.fireId, [...(epochs.get(event.fireId) ?? []), event.epoch]);
      }
    }
    const seen = new Map<string, number>();
    for (const job of jobs) {
      expect(byId.has(job.fireId), `${node} ran ${job.fireId}, which is not recorded`).toBe(true);
      const index = seen.get(job.fireId) ?? 0;
      seen.set(job.fireId, index + 1);
      // The run event follows the job line; a process killed in between has no event for its last job.
      const epoch = epochs.get(job.fireId)?.[index] ?? byId.get(job.fireId)?.epoch ?? -1;
      runs.set(job.fireId, [...(runs.get(job.fireId) ?? []), { node, at: job.at, epoch, build: job.build }]);
    }
  }
  const neverRun = fires.filter((fire) => fire.scheduledAt < now - 1_000 && !runs.has(fire.fireId));
  expect(
    neverRun.map((fire) => fire.fireId),
    "recorded fires due before the last second that no node ran",
  ).toEqual([]);

  const reruns: string[] = [];
  for (const [fireId, list] of runs) {
    if (list.length < 2) continue;
    const ordered = [...list].sort((a, b) => a.at - b.at);
    const story = `${fireId}: ${ordered.map((run) => `${run.node}@${run.epoch} at ${run.at}`).join(", ")}`;
    reruns.push(story);
    const epochs = ordered.map((run) => run.epoch);
    expect(new Set(epochs).size, `run twice under one epoch: ${story}`).toBe(epochs.length);
    expect(
      epochs.every((epoch, index) => index === 0 || epoch > (epochs[index - 1] ?? 0)),
      `reruns under newer epochs: ${story}`,
    ).toBe(true);
    const first = ordered[0];
    expect(first !== undefined && allowRerunOf(first), `a rerun that this fault does not explain: ${story}`).toBe(true);
  }
  return { fires: fires.length, reruns };
};
