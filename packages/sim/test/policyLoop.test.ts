import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { UnspawnPolicy } from "@schedkit/kernel";
import { describe, expect, it } from "vitest";
import { loadPolicies } from "../src/cli.js";
import { REPRODUCE_RUNS, replay, simulate, writeFailure, writeReport } from "../src/index.js";

const root = resolve(import.meta.dirname, "../../..");
const cliPath = resolve(import.meta.dirname, "../src/cli.ts");
const cli = (args: readonly string[]) => {
  const child = spawnSync(process.execPath, ["--import", "tsx", cliPath, ...args], { cwd: root, encoding: "utf8" });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
};
const fixture = (name: string) => `packages/sim/test/fixtures/${name}`;
const coin: UnspawnPolicy = {
  name: "coin",
  select: (spawns) => (Math.random() < 0.5 ? spawns.latest()?.id : spawns.earliest()?.id),
};

describe("the policy author's loop", { timeout: 120_000 }, () => {
  it("cli --policies - a buggy policy is found, shrunk, replayed every time; a fixed one fails on the trace hash", () => {
    const out = mkdtempSync(join(tmpdir(), "schedkit-sim-loop-"));
    // 1. The run finds the bug (the buggy module's default export is a policy named "last").
    const found = cli([
      "--policies",
      fixture("buggy-policy.ts"),
      "--scenario",
      "policy-churn",
      "--seeds",
      "1",
      "--steps",
      "500",
      "--out",
      out,
      "--json",
    ]);
    expect(found.stderr).toBe("");
    expect(found.code).toBe(1);
    const run = JSON.parse(found.stdout).runs[0];
    expect(run.scenario).toBe("policy-churn");
    expect(run.violations[0]).toMatchObject({ check: "policy-member" });
    expect(run.violations[0].message).toMatch(/policy "last" returned "[^"]+-gone"/);
    // 2. A shrunk file, with the trace hash of its run recorded.
    expect(readdirSync(out)).toEqual(["policy-churn-seed-1.json"]);
    const file = join(out, "policy-churn-seed-1.json");
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(saved.policies).toEqual(["last"]);
    expect(saved.events.length).toBeLessThan(20);
    // 3. Replayed with the same module, it reproduces every time: same trace, same check.
    for (let attempt = 0; attempt < 3; attempt++) {
      const again = cli(["replay", file, "--policies", fixture("buggy-policy.ts"), "--json"]);
      expect(again.code).toBe(1);
      const replayed = JSON.parse(again.stdout).runs[0];
      expect(replayed.traceHash).toBe(saved.traceHash);
      expect(replayed.recordedTraceHash).toBe(saved.traceHash);
      expect(replayed.violations.map((violation: { check: string }) => violation.check)).toContain("policy-member");
    }
    const text = cli(["replay", file, "--policies", fixture("buggy-policy.ts")]);
    expect(text.stdout).toContain(": the same as when it was recorded");
    // 4. Replayed with the fixed policy (same name), it fails loudly on the trace hash.
    const fixed = cli(["replay", file, "--policies", fixture("fixed-policy.ts")]);
    expect(fixed.code).toBe(1);
    expect(fixed.stdout).toMatch(
      /✗ trace-hash at step 0 \(t=0 ms\): this timeline was recorded with a different policy or kernel: trace [0-9a-f]{16} != recorded [0-9a-f]{16}/,
    );
    expect(fixed.stdout).not.toMatch(/^replay .* ok$/m);
  });

  it("replay - an older file without a trace hash still replays, with a note", () => {
    const { timeline } = simulate({ seed: 4, scenario: "stats", steps: 60, faults: "none" });
    const file = join(mkdtempSync(join(tmpdir(), "schedkit-sim-loop-")), "old.json");
    writeFileSync(file, JSON.stringify(timeline));
    const result = cli(["replay", file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("note: this file records no trace hash");
  });

  it("replay - a recorded trace hash that differs is a trace-hash violation, listed first", () => {
    const ghost: UnspawnPolicy = {
      name: "ghost",
      select: (spawns) => (spawns.size > 1 ? "nobody" : spawns.latest()?.id),
    };
    const result = simulate({ seed: 3, scenario: "dynamic-scaling", steps: 1500, faults: "none", policies: [ghost] });
    expect(result.shrunk?.traceHash).toMatch(/^[0-9a-f]{64}$/);
    const shrunk = result.shrunk as NonNullable<typeof result.shrunk>;
    expect(replay(shrunk, { policies: [ghost] }).violations[0]?.check).toBe("policy-member");
    const honest: UnspawnPolicy = { name: "ghost", select: (spawns) => spawns.latest()?.id };
    const mismatch = replay(shrunk, { policies: [honest] }).violations[0];
    expect(mismatch).toMatchObject({ check: "trace-hash" });
    expect(mismatch?.message).toMatch(
      /^this timeline was recorded with a different policy or kernel: trace \w+ != recorded \w+/,
    );
  });

  it("simulate - a non-deterministic policy is named, and its failure is not offered as a shrunk timeline", () => {
    const result = simulate({ seed: 5, scenario: "policy-churn", steps: 400, faults: "none", policies: [coin] });
    expect(result.violations[0]?.check).toBe("policy-deterministic");
    expect(result.violations[0]?.message).toMatch(
      /^policy "coin" answered differently for the same view: "[^"]+", then "[^"]+", for the \d+ running spawn\(s\) \[\S+ \{startedAt: \d+, inFlight: \d+/,
    );
    expect(result.violations.map((violation) => violation.check)).not.toContain("model");
    expect(result.shrunk).toBeUndefined();
    expect(result.unreproducible).toMatchObject({ runs: REPRODUCE_RUNS });
    expect(result.unreproducible?.reason).toMatch(/policy "coin" answered differently|different traces/);
    expect(writeFailure(result, mkdtempSync(join(tmpdir(), "schedkit-sim-loop-")))).toBeUndefined();
  });

  it("cli --policies - a non-deterministic policy: named, not reproducible, no file written", () => {
    const out = mkdtempSync(join(tmpdir(), "schedkit-sim-loop-"));
    const result = cli([
      "--policies",
      fixture("random-policy.ts"),
      "--scenario",
      "policy-churn",
      "--seeds",
      "1",
      "--steps",
      "300",
      "--out",
      out,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ policy-deterministic at step \d+ .*: policy "coin" answered differently for the same view/,
    );
    expect(result.stdout).toMatch(
      /✗ not reproducible: the shrunk timeline broke the check on \d+ of 10 replays, so no timeline is offered/,
    );
    expect(result.stdout).not.toContain("kernel and reference model differ");
    expect(readdirSync(out)).toEqual([]);
  });

  it("loadPolicies - a default export array, or named policy exports", async () => {
    expect((await loadPolicies(fixture("buggy-policy.ts"), root)).map((policy) => policy.name)).toEqual(["last"]);
    expect((await loadPolicies(`./${fixture("fixed-policy.ts")}`, root)).map((policy) => policy.name)).toEqual([
      "last",
    ]);
    await expect(loadPolicies(fixture("no-policies.ts"), root)).rejects.toMatchObject({ code: "policies-invalid" });
    await expect(loadPolicies("no-such-package-here", root)).rejects.toMatchObject({ code: "policies-not-found" });
  });

  it("writeFailure, writeReport - the API writes what the command line writes", () => {
    const ghost: UnspawnPolicy = {
      name: "ghost",
      select: (spawns) => (spawns.size > 1 ? "nobody" : spawns.latest()?.id),
    };
    const result = simulate({ seed: 1, scenario: "policy-churn", steps: 300, faults: "none", policies: [ghost] });
    const dir = mkdtempSync(join(tmpdir(), "schedkit-sim-loop-"));
    const file = writeFailure(result, dir);
    expect(file).toBe(join(dir, "policy-churn-seed-1.json"));
    expect(JSON.parse(readFileSync(file as string, "utf8"))).toEqual(result.shrunk);
    const report = writeReport(result, join(dir, "report.html"));
    expect(readFileSync(report, "utf8").startsWith("<!doctype html>")).toBe(true);
    expect(writeFailure(simulate({ seed: 1, scenario: "stats", steps: 50 }), dir)).toBeUndefined();
  });

  it("policy-churn - hundreds of spawns and heavy unspawn churn, every pool asking a policy", () => {
    const result = simulate({ seed: 2, scenario: "policy-churn", steps: 2000, faults: "none" });
    expect(result.violations).toEqual([]);
    const unspawns = result.timeline.events.filter((event) => event.kind === "unspawn").length;
    expect(result.spawns.length).toBeGreaterThanOrEqual(100);
    expect(unspawns).toBeGreaterThanOrEqual(50);
    expect(result.spawns.filter((spawn) => spawn.stoppedAt !== null).length).toBeGreaterThanOrEqual(50);
    const pools = simulate({ seed: 2, scenario: "policy-churn", steps: 100, policies: [coin, { ...coin, name: "b" }] });
    const named = pools.timeline.events.flatMap((event) => (event.kind === "install" ? [event.program.policy] : []));
    expect(new Set(named)).toEqual(new Set(["coin", "b"]));
  });
});
