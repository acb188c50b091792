/**
 * Real-process fault test (issue #17): a rolling deploy. Three node processes
 * (`node.ts`) start on build v1; one at a time, each is stopped gracefully
 * (SIGTERM) and started again as build v2, in which one program changed
 * (`fleet.ts`: p250 gets `version: 2` and a 350 ms interval). FLEET.md
 * guarantee 7 and the kernel README ("Running a fleet", 8): a higher version
 * upgrades the shard, and from then on older nodes stay off it (`deploy-skew`,
 * reason `older`); the second test leaves a v1 node alone after a v2 deploy, so
 * that it must try the upgraded shard and be refused. Needs SCHEDKIT_PG_URL;
 * see `itWithPostgres`.
 */
import { fingerprintOf, shardOf } from "@schedkit/kernel/fleet";
import { afterEach, describe, expect } from "vitest";
import { itWithPostgres } from "../support/backends.js";
import { checkFires, intervalGap, watchTakeover } from "./checks.js";
import { type Build, CHANGED_PROGRAM, intervalIn, PROGRAMS, programSpecs, V2_INTERVAL } from "./fleet.js";
import {
  allOwned,
  cleanUpFleet,
  type EventLine,
  type FireRow,
  NODES,
  report,
  shards,
  sleep,
  startFleet,
  TAKEOVER_BOUND,
  waitFor,
} from "./harness.js";

afterEach(cleanUpFleet);

const V1_INTERVAL = intervalIn("v1", CHANGED_PROGRAM);
const changedShard = shardOf(CHANGED_PROGRAM, shards);

describe("fleet runner processes on PostgreSQL: a rolling deploy", () => {
  itWithPostgres(
    "rolling deploy of a changed program (version 2) - every due time fires once, v2 nodes run its new spec, v1 nodes stay off its upgraded shard",
    async () => {
      const running = await startFleet({ build: "v1" });
      await sleep(3_000);
      const steps: Record<string, unknown>[] = [];
      const deployStart = Date.now();
      for (const node of NODES) {
        const held = new Map(
          (await running.leases())
            .filter((lease) => lease.owner === node && lease.left > 0)
            .map((lease) => [lease.shard, lease.epoch]),
        );
        const terminatedAt = Date.now();
        expect(await running.terminate(node), `${node} exits 0 after SIGTERM`).toBe(0);
        const taken =
          held.size === 0 ? new Map() : await watchTakeover(running, node, held, terminatedAt, TAKEOVER_BOUND + 2_000);
        const slowest = Math.max(0, ...[...taken.values()].map((take) => take.after));
        expect(slowest, `takeover after ${node}'s graceful stop (bound 1,000 ms)`).toBeLessThanOrEqual(1_000);

        const restartedAt = Date.now();
        running.start(node, { build: "v2" });
        // It joins: the others hand it shards to balance the fleet.
        const joined = await waitFor(
          `${node} (v2) to acquire a shard`,
          () =>
            running
              .events(node)
              .find((event) => event.type === "acquired" && event.build === "v2" && event.at > restartedAt)?.at,
          15_000,
          50,
        );
        await sleep(1_000);
        steps.push({
          node,
          shards: [...held.keys()],
          takeoverMs: Object.fromEntries([...taken].map(([shard, take]) => [shard, take.after])),
          firstAcquireAfterStartMs: joined - restartedAt,
        });
      }
      await sleep(3_000);
      for (const node of NODES) expect(running.alive(node), `${node} (v2) runs at the end`).toBe(true);
      expect(allOwned(await running.leases()), "every shard has a live owner at the end").toBe(true);

      // Which build took each (node, shard, epoch): from each node's own events.
      const events = NODES.flatMap((node) => running.events(node));
      const buildOf = new Map<string, Build | undefined>();
      for (const event of events) {
        if (event.type === "acquired") buildOf.set(`${event.node}/${event.shard}@${event.epoch}`, event.build);
      }
      const firstV2 = events
        .filter((event) => event.type === "acquired" && event.shard === changedShard && event.build === "v2")
        .sort((a, b) => a.at - b.at)[0];
      expect(firstV2, `a v2 node took shard ${changedShard} (${CHANGED_PROGRAM})`).toBeDefined();
      const upgradeEpoch = firstV2?.epoch ?? Number.POSITIVE_INFINITY;
      const upgradedAt = firstV2?.at ?? Number.POSITIVE_INFINITY;

      // From then on, older nodes stay off it: no v1 acquire of that shard at a later epoch.
      const v1After = events.filter(
        (event) =>
          event.type === "acquired" &&
          event.shard === changedShard &&
          event.build === "v1" &&
          (event.epoch ?? 0) > upgradeEpoch,
      );
      expect(
        v1After.map((event) => `${event.node}@${event.epoch}`),
        "v1 nodes that took the upgraded shard",
      ).toEqual([]);
      // Any deploy skew is a v1 node refused the upgraded shard, for that program, as `older`.
      const skews = events.filter((event) => event.type === "deploy-skew");
      const wrongSkews = skews.filter(
        (event: EventLine) =>
          event.build !== "v1" ||
          event.shard !== changedShard ||
          event.at < upgradedAt ||
          !(event.problems ?? []).every(
            (problem) => problem.programId === CHANGED_PROGRAM && problem.reason === "older",
          ),
      );
      expect(
        wrongSkews.map((event) => JSON.stringify(event)),
        "deploy-skew reports",
      ).toEqual([]);

      // The store holds v2's fingerprint for the changed program, and the common one for every other.
      const v2 = new Map(programSpecs("v2", () => undefined).map((spec) => [spec.id, fingerprintOf(spec)]));
      const stored = (await running.fingerprints()).map(
        (row) => `${row.shard}/${row.programId}:${row.hash}@${row.version}`,
      );
      expect(stored.sort()).toEqual(
        PROGRAMS.map(({ id }) => `${shardOf(id, shards)}/${id}:${v2.get(id)?.hash}@${v2.get(id)?.version}`).sort(),
      );

      // The changed program's grid: v1's interval under v1 owners; under v2 owners each gap is one of the two
      // grids here (the first fire a v2 owner records may be the one v1 scheduled: its due time is in the
      // checkpoint), and which one is asserted last, on its own, below.
      const changedGap = (previous: FireRow, next: FireRow): string | undefined => {
        if (previous.programId !== CHANGED_PROGRAM) return intervalGap(previous, next);
        const gap = next.scheduledAt - previous.scheduledAt;
        if (next.epoch < upgradeEpoch) return gap === V1_INTERVAL ? undefined : `v1 runs it every ${V1_INTERVAL} ms`;
        return gap === V1_INTERVAL || gap === V2_INTERVAL ? undefined : "the upgrade broke its grid";
      };
      const checked = await checkFires(
        running,
        Date.now(),
        // Graceful stops and handoffs: a rerun can only come from a handoff that gave up waiting, under a newer epoch.
        () => true,
        { gap: changedGap, lastInterval: (programId) => intervalIn("v2", programId) },
      );

      // Every fire of the changed program is recorded by the build that holds its epoch: v1 before the upgrade,
      // v2 after, and each job of an upgraded epoch ran in a v2 process; it ran at the end, on v2.
      const fires = (await running.fires()).filter((fire) => fire.programId === CHANGED_PROGRAM);
      const misbuilt = fires.filter(
        (fire) => buildOf.get(`${fire.node}/${fire.shard}@${fire.epoch}`) !== (fire.epoch < upgradeEpoch ? "v1" : "v2"),
      );
      expect(
        misbuilt.map((fire) => `${fire.fireId} by ${fire.node}@${fire.epoch}`),
        "fires recorded by the wrong build",
      ).toEqual([]);
      const epochOf = new Map(fires.map((fire) => [fire.fireId, fire.epoch]));
      const jobs = NODES.flatMap((node) => running.jobs(node)).filter((job) => epochOf.has(job.fireId));
      expect(
        jobs
          .filter((job) => (epochOf.get(job.fireId) ?? 0) >= upgradeEpoch && job.build !== "v2")
          .map((job) => `${job.fireId} on ${job.node} (${job.build})`),
        "jobs of the upgraded program that ran on v1",
      ).toEqual([]);
      const upgraded = fires.filter((fire) => fire.epoch >= upgradeEpoch).map((fire) => fire.scheduledAt);
      expect(upgraded.length, "fires of the changed program after its upgrade").toBeGreaterThan(5);
      expect(fires.at(-1)?.epoch, "the changed program's last fire is v2's").toBeGreaterThanOrEqual(upgradeEpoch);

      // The new spec is in force once v2 owns the program: between fires both recorded under upgraded epochs,
      // v2's interval.
      const upgradedGaps = fires.slice(1).flatMap((fire, index) => {
        const previous = fires[index];
        return previous === undefined || previous.epoch < upgradeEpoch
          ? []
          : [{ gap: fire.scheduledAt - previous.scheduledAt, at: fire.scheduledAt, epoch: fire.epoch }];
      });
      const summary = {
        steps,
        upgrade: {
          shard: changedShard,
          epoch: upgradeEpoch,
          node: firstV2?.node,
          afterDeployStartMs: upgradedAt - deployStart,
        },
        deploySkews: skews.map((event) => `${event.node}(${event.build}) shard ${event.shard} at ${event.at}`),
        changedProgram: {
          fires: fires.length,
          afterUpgrade: upgraded.length,
          gapsAfterUpgrade: [...new Set(upgradedGaps.map((entry) => entry.gap))],
        },
        ...checked,
      };
      report("rolling deploy", summary);
      const offSpec = upgradedGaps.filter((entry) => entry.gap !== V2_INTERVAL);
      expect(
        {
          count: offSpec.length,
          first: offSpec.slice(0, 5).map((entry) => `${entry.gap} ms to ${entry.at} (epoch ${entry.epoch})`),
        },
        `${CHANGED_PROGRAM} after its upgrade (epoch ${upgradeEpoch}): gaps other than v2's ${V2_INTERVAL} ms, of ${upgradedGaps.length}`,
      ).toEqual({ count: 0, first: [] });
    },
    60_000,
  );

  itWithPostgres(
    "v1 node left alone after a v2 deploy - deploy-skew (older) keeps it off the upgraded shard, a v2 node takes it back with no due time lost",
    async () => {
      const running = await startFleet({ build: "v2" });
      await sleep(1_500);
      // An old replica that was never redeployed, and then only it is left.
      running.start("n3", { build: "v1" });
      await waitFor(
        "n3 (v1) to start",
        () => (running.events("n3").some((e) => e.type === "started") ? true : undefined),
        15_000,
      );
      await sleep(1_000);
      for (const node of NODES) expect(await running.terminate(node), `${node} exits 0 after SIGTERM`).toBe(0);
      const aloneAt = Date.now();

      // It takes every other shard (their programs did not change), and is refused the upgraded one.
      const skew = await waitFor(
        "n3 to report deploy-skew for the upgraded shard",
        () => running.events("n3").find((event) => event.type === "deploy-skew" && event.shard === changedShard),
        TAKEOVER_BOUND,
      );
      await waitFor(
        "n3 to hold every other shard",
        async () =>
          (await running.leases()).every(
            (lease) => lease.shard === changedShard || (lease.owner === "n3" && lease.left > 0),
          )
            ? true
            : undefined,
        TAKEOVER_BOUND,
      );
      await sleep(1_000);
      const whileAlone = (await running.leases()).find((lease) => lease.shard === changedShard);
      expect(
        whileAlone !== undefined && whileAlone.owner !== null && whileAlone.left > 0,
        `shard ${changedShard} has no live owner while only v1 runs: ${JSON.stringify(whileAlone)}`,
      ).toBe(false);

      // A v2 node comes back and takes it; the due times missed meanwhile are caught up (one grid).
      const backAt = Date.now();
      running.start("n0", { build: "v2" });
      const back = await waitFor(
        `a v2 node to take shard ${changedShard} again`,
        async () => {
          const lease = (await running.leases()).find((row) => row.shard === changedShard);
          return lease?.owner === "n0" && lease.left > 0 ? Date.now() : undefined;
        },
        15_000,
        25,
      );
      await sleep(2_000);

      expect(skew.build).toBe("v1");
      expect(skew.problems).toEqual([{ programId: CHANGED_PROGRAM, reason: "older" }]);
      const n3Took = running.events("n3").filter((event) => event.type === "acquired" && event.shard === changedShard);
      expect(
        n3Took.map((event) => `${event.shard}@${event.epoch}`),
        `n3 (v1) acquired shard ${changedShard}`,
      ).toEqual([]);
      const v2Gap = (previous: FireRow, next: FireRow): string | undefined => {
        const interval = intervalIn("v2", previous.programId);
        return next.scheduledAt - previous.scheduledAt === interval ? undefined : `off the ${interval} ms grid`;
      };
      const checked = await checkFires(running, Date.now(), () => true, {
        gap: v2Gap,
        lastInterval: (programId) => intervalIn("v2", programId),
      });
      const caughtUp = (await running.fires()).filter(
        (fire) => fire.programId === CHANGED_PROGRAM && fire.scheduledAt > aloneAt && fire.scheduledAt < back,
      );
      expect(caughtUp.length, "due times of the upgraded program missed while v1 was alone, caught up").toBeGreaterThan(
        0,
      );
      report("v1 left alone", {
        skewAfterAloneMs: skew.at - aloneAt,
        v2BackAfterStartMs: back - backAt,
        caughtUp: caughtUp.length,
        n3Shards: (await running.leases()).filter((lease) => lease.owner === "n3").length,
        ...checked,
      });
    },
    60_000,
  );
});
