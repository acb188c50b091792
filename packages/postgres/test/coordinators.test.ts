import type { ProgramSpec } from "@schedkit/kernel";
import {
  type Coordinator,
  type CoordinatorCommandBody,
  type CoordinatorEffect,
  createCoordinator,
} from "@schedkit/kernel/fleet";
import { describe, expect, it } from "vitest";
import { pgliteStore } from "../src/postgres.js";

const WALL0 = Date.UTC(2026, 0, 1);

interface Node {
  readonly id: string;
  readonly coordinator: Coordinator;
  wakeAt: number;
  stopped: boolean;
  readonly inputs: { due: number; body: CoordinatorCommandBody }[];
  readonly runs: Extract<CoordinatorEffect, { type: "run" }>[];
  readonly answers: Map<string, unknown>;
}

const programs: ProgramSpec[] = ["a", "b", "c", "d", "e"].map((id) => ({
  id,
  type: "constant",
  interval: 250,
  mainFn: () => `${id}-done`,
}));

describe("real coordinators on pgliteStore", () => {
  it("three nodes, a graceful stop mid-run: each fire recorded once, run once, every fire completed", async () => {
    let time = 0;
    const store = pgliteStore({ clock: () => time });
    try {
      const nodes: Node[] = ["A", "B", "C"].map((id) => ({
        id,
        coordinator: createCoordinator({
          nodeId: id,
          programs,
          shards: 4,
          leaseTtl: 2_000,
          renewInterval: 600,
          safetyMargin: 200,
          requestTimeout: 300,
        }),
        wakeAt: 0,
        stopped: false,
        inputs: [],
        runs: [],
        answers: new Map(),
      }));
      const [a, , c] = nodes as [Node, Node, Node];

      const dispatch = async (node: Node, body: CoordinatorCommandBody): Promise<void> => {
        const effects = node.coordinator.dispatch({ ...body, at: time, wall: WALL0 + time } as never);
        for (const effect of effects) {
          switch (effect.type) {
            case "store": {
              // The store answers at once (same fake time): a real round trip through PGlite.
              const reply = await store.execute(effect.request);
              node.inputs.push({ due: time, body: { type: "store-reply", requestId: effect.requestId, reply } });
              break;
            }
            case "run":
              node.runs.push(effect);
              node.inputs.push({
                due: time + 20,
                body: {
                  type: "job-done",
                  shard: effect.shard,
                  epoch: effect.epoch,
                  jobId: effect.jobId,
                  outcome: { ok: true, value: `${effect.programId}-done` },
                },
              });
              break;
            case "answer":
              node.answers.set(effect.commandId, effect.answer);
              break;
            case "stopped":
              node.stopped = true;
              break;
            case "wake":
              node.wakeAt = effect.at;
              break;
            default:
              break;
          }
        }
      };

      /** Runs every due input and tick in time order until `until`. */
      const runUntil = async (until: number): Promise<void> => {
        for (let guard = 0; guard < 200_000; guard += 1) {
          let next: { node: Node; due: number; input: boolean } | undefined;
          for (const node of nodes) {
            if (node.stopped) continue;
            const input = node.inputs.reduce<number>(
              (min, entry) => Math.min(min, entry.due),
              Number.POSITIVE_INFINITY,
            );
            if (input !== Number.POSITIVE_INFINITY && (next === undefined || input < next.due))
              next = { node, due: input, input: true };
            if (next === undefined || node.wakeAt < next.due) next = { node, due: node.wakeAt, input: false };
          }
          if (next === undefined || next.due > until) break;
          time = Math.max(time, next.due);
          if (next.input) {
            const index = next.node.inputs.findIndex((entry) => entry.due === next.due);
            const [entry] = next.node.inputs.splice(index, 1);
            if (entry !== undefined) await dispatch(next.node, entry.body);
          } else await dispatch(next.node, { type: "tick" });
        }
        time = Math.max(time, until);
      };

      await runUntil(1_000);
      for (const program of programs) {
        a.inputs.push({
          due: time,
          body: { type: "submit", commandId: `spawn-${program.id}`, command: { type: "spawn", programId: program.id } },
        });
      }
      await runUntil(5_000);
      expect(programs.every((program) => a.answers.has(`spawn-${program.id}`))).toBe(true);
      c.inputs.push({ due: time, body: { type: "stop" } });
      await runUntil(10_000);
      expect(c.stopped).toBe(true);
      for (const node of nodes) if (!node.stopped) node.inputs.push({ due: time, body: { type: "stop" } });
      await runUntil(15_000);
      expect(nodes.every((node) => node.stopped)).toBe(true);

      const runs = nodes.flatMap((node) => node.runs.map((run) => run.fireId));
      // Each fire ran once across the fleet, and the fires table holds exactly those, each completed.
      expect(new Set(runs).size).toBe(runs.length);
      const fires = await store.db.query<{ fire_id: string; completed: string | null }>(
        "SELECT fire_id, completed FROM schedkit.fires ORDER BY fire_id",
      );
      expect(fires.rows.map((row) => row.fire_id)).toEqual([...runs].sort());
      expect(fires.rows.filter((row) => row.completed !== "succeeded")).toEqual([]);
      // Every program fired throughout (spawned at ~1 s, stopped at ~10 s, 250 ms interval).
      for (const program of programs) {
        expect(runs.filter((fireId) => fireId.startsWith(`${program.id}/`)).length).toBeGreaterThanOrEqual(20);
      }
      // More than one node ran jobs, and C's shards moved on after its stop.
      const runners = new Set(nodes.filter((node) => node.runs.length > 0).map((node) => node.id));
      expect(runners.size).toBeGreaterThanOrEqual(2);
      const leases = await store.db.query<{ owner: string | null }>("SELECT owner FROM schedkit.leases");
      expect(leases.rows.length).toBe(4);
    } finally {
      await store.close();
    }
  }, 120_000);
});
