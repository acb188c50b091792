/**
 * Real-process fault test (issue #17): the PostgreSQL server itself goes away
 * for 4 s (longer than the 2 s lease) while three node processes run
 * (`node.ts`), then comes back. The server is this test's own
 * (`test/support/privateServer.ts`): the shared SCHEDKIT_PG_URL server serves
 * the other test files at the same time. Needs SCHEDKIT_PG_URL (the same rule
 * as every server test, `itWithPostgres`) and the server binaries.
 */
import { afterEach, describe, expect } from "vitest";
import { itWithPostgres } from "../support/backends.js";
import { type PrivateServer, startPrivateServer } from "../support/privateServer.js";
import { checkFires, LeaseSampler } from "./checks.js";
import {
  allOwned,
  cleanUpFleet,
  type EventLine,
  leaseTtl,
  NODES,
  report,
  safetyMargin,
  sleep,
  startFleet,
  TAKEOVER_BOUND,
  waitFor,
} from "./harness.js";

/** How long the server is down: longer than the lease, so every lease lapses. */
const DOWN_MS = 4_000;
/** The longest wait between attempts to LISTEN again (5 s), plus 1 s. */
const RELISTEN_BOUND = 6_000;
/** How late a node's health may say `degraded` after its lease deadline (a 50 ms health poll, timers, a busy machine). */
const REPORT_SLACK = 500;

let server: PrivateServer | undefined;
afterEach(async () => {
  try {
    await cleanUpFleet();
  } finally {
    const current = server;
    server = undefined;
    await current?.remove();
  }
});

/**
 * Jobs a node started on a shard while, by its own reports, it had no valid lease on it:
 * after a `paused` and before the next `resumed` or `acquired` of that shard (or its `lost`,
 * after which a run of that epoch is wrong too). Read from one node's own events, in order.
 */
const runsWhilePaused = (events: readonly EventLine[]): string[] => {
  const paused = new Map<number, number>(); // shard -> paused epoch
  const gone = new Set<string>(); // `${shard}@${epoch}` lost or released: never valid again
  const wrong: string[] = [];
  for (const event of events) {
    const { shard, epoch } = event;
    if (shard === undefined || epoch === undefined) continue;
    if (event.type === "paused") paused.set(shard, epoch);
    else if (event.type === "resumed" || event.type === "acquired") paused.delete(shard);
    else if (event.type === "lost" || event.type === "released") {
      paused.delete(shard);
      gone.add(`${shard}@${epoch}`);
    } else if (event.type === "run" && (paused.get(shard) === epoch || gone.has(`${shard}@${epoch}`))) {
      wrong.push(`${event.fireId} on shard ${shard}@${epoch} at ${event.at}`);
    }
  }
  return wrong;
};

describe("fleet runner processes on PostgreSQL: a server restart", () => {
  itWithPostgres(
    "PostgreSQL restart longer than the lease - nodes report degraded, start no job without a lease, and recover without losing a due time",
    async () => {
      server = await startPrivateServer();
      const running = await startFleet({ url: server.url, dropSchema: false });
      const sampler = new LeaseSampler(running);
      let stopAt = 0;
      let downAt = 0;
      let upAt = 0;
      let startedAt = 0;
      const relistened: Record<string, number> = {};
      try {
        await sleep(3_000);
        const before = await running.leases();
        expect(allOwned(before), "every shard has a live owner before the restart").toBe(true);
        stopAt = Date.now();
        await server.stop();
        downAt = Date.now(); // pg_ctl returned: the server is gone, no request is answered until it is back
        await sleep(Math.max(0, stopAt + DOWN_MS - Date.now()));
        upAt = Date.now();
        await server.start();
        startedAt = Date.now(); // pg_ctl returned: the server accepts connections
        // postgresStore replaces a listening connection the server dropped (100 ms, doubling to 5 s): watch for it.
        const relistening = NODES.map((node) =>
          waitFor(
            `${node} to LISTEN again`,
            async () =>
              (await running.backends(node)).some((backend) => backend.query.startsWith("LISTEN"))
                ? Date.now()
                : undefined,
            RELISTEN_BOUND,
            50,
          ).then(
            (at) => [node, at - upAt] as const,
            () => [node, Number.POSITIVE_INFINITY] as const,
          ),
        );
        // Every lease lapsed while it was down (DOWN_MS > leaseTtl); a live one now was taken or renewed after the restart.
        await waitFor(
          "every shard to have a live owner after the restart",
          async () => (allOwned(await running.leases()) ? true : undefined),
          TAKEOVER_BOUND + 5_000,
          25,
        );
        await sleep(3_000);
        for (const [node, when] of await Promise.all(relistening)) relistened[node] = when;
      } finally {
        await sampler.stop();
      }
      for (const node of NODES) {
        expect(running.alive(node), `${node} lives on after the restart`).toBe(true);
        expect(relistened[node], `${node} listens again after the restart (ms)`).toBeLessThanOrEqual(RELISTEN_BOUND);
      }

      // Guarantee 5: every shard is owned again within the takeover bound of the server's return.
      const ownedAgain: Record<number, number> = {};
      for (let shard = 0; shard < 8; shard++) {
        const first = sampler.firstOwned(shard, startedAt);
        expect(first, `shard ${shard} is owned again after the restart`).toBeDefined();
        ownedAgain[shard] = (first?.at ?? Number.POSITIVE_INFINITY) - upAt;
      }
      const slowest = Math.max(...Object.values(ownedAgain));

      // Health: every node that held shards says `degraded` by its lease deadline (its last renewal was sent
      // before `downAt`, so the deadline is before downAt + leaseTtl - safetyMargin), stays degraded while the
      // server is down, and says `ok` again after it is back.
      const deadline = downAt + leaseTtl - safetyMargin;
      const health: Record<string, unknown> = {};
      for (const node of NODES) {
        const lines = running.events(node).filter((event) => event.type === "health");
        const held = sampler.samples.filter((sample) => sample.at < stopAt).at(-1)?.leases ?? [];
        if (!held.some((lease) => lease.owner === node)) continue;
        const degraded = lines.find((line) => line.status === "degraded" && line.at > stopAt);
        expect(degraded, `${node} reports degraded while the server is down`).toBeDefined();
        const degradedAt = degraded?.at ?? Number.POSITIVE_INFINITY;
        expect(degradedAt, `${node} degraded by its lease deadline (+${REPORT_SLACK} ms)`).toBeLessThanOrEqual(
          deadline + REPORT_SLACK,
        );
        expect(degradedAt, `${node} degraded before the server is back`).toBeLessThan(upAt);
        const okWhileDown = lines.filter(
          (line) => line.at > degradedAt && line.at < upAt && line.status !== "degraded",
        );
        expect(
          okWhileDown.map((line) => `${line.status} at ${line.at}`),
          `${node}'s health while the server is down`,
        ).toEqual([]);
        const ok = lines.find((line) => line.at > upAt && line.status === "ok");
        expect(ok, `${node} reports ok again after the restart`).toBeDefined();
        const okAt = ok?.at ?? Number.POSITIVE_INFINITY;
        expect(okAt - upAt, `${node} ok again after the restart (bound ${TAKEOVER_BOUND} ms)`).toBeLessThanOrEqual(
          TAKEOVER_BOUND,
        );
        expect(lines.at(-1)?.status, `${node}'s health at the end`).toBe("ok");
        health[node] = {
          degradedAfterDownMs: degradedAt - downAt,
          degradedForMs: okAt - degradedAt,
          okAfterUpMs: okAt - upAt,
          reason: degraded?.reason,
        };
      }

      // Guarantee 1, from each node's own log. (a) By its own reports: no job of a shard starts between its
      // `paused` and its next `resumed`/`acquired`, nor under an epoch it lost. (b) By the clock: no renewal can be
      // acknowledged while the server is down, so after downAt + leaseTtl - safetyMargin every lease deadline has
      // passed; no job may start from then until the server is back (+20 ms: Date.now() against the monotonic clock).
      for (const node of NODES) {
        const events = running.events(node);
        expect(runsWhilePaused(events), `${node}'s jobs started while paused or after losing the shard`).toEqual([]);
        const late = running.jobs(node).filter((job) => job.at > deadline + 20 && job.at < upAt);
        expect(
          late.map((job) => `${job.fireId} at ${job.at}`),
          `${node}'s jobs started after every lease deadline, with the server down`,
        ).toEqual([]);
      }
      const paused = Object.fromEntries(
        NODES.map((node) => [
          node,
          running
            .events(node)
            .filter((event) => event.type === "paused" && event.at > stopAt)
            .map((event) => `${event.shard}@${event.epoch} +${event.at - downAt}ms`),
        ]),
      );

      const checked = await checkFires(
        running,
        Date.now(),
        // At-least-once: a job in flight when the server went away could not be completed; the next owner reruns it.
        (first) => first.at <= downAt,
      );
      const end = await running.leases();
      report("server restart", {
        stopMs: downAt - stopAt,
        downMs: startedAt - downAt,
        ownedAgainAfterUpMs: ownedAgain,
        listenAgainAfterUpMs: relistened,
        health,
        paused,
        shardsAtEnd: Object.fromEntries(NODES.map((node) => [node, end.filter((l) => l.owner === node).length])),
        ...checked,
      });
      expect(slowest, `shards owned again after the restart (bound ${TAKEOVER_BOUND} ms)`).toBeLessThanOrEqual(
        TAKEOVER_BOUND,
      );
    },
    60_000,
  );
});
