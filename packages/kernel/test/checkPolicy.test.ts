import { describe, expect, it } from "vitest";
import type { SpawnView, UnspawnPolicy } from "../src/index.js";
import { assertPolicy, checkPolicy } from "../src/testing/index.js";

const last: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };

const rules = (policy: UnspawnPolicy) =>
  checkPolicy(policy, { seed: 42, numRuns: 100 }).failures.map((failure) => failure.property);

describe("checkPolicy", () => {
  it("checkPolicy - a correct O(1) policy keeps every rule", () => {
    const report = checkPolicy(last, { seed: 42 });
    expect(report).toMatchObject({ policy: "last", ok: true, failures: [] });
    expect(String(report)).toBe('policy "last": every rule holds');
  });

  it("checkPolicy - a policy needs a name and a select function", () => {
    expect(rules({ name: "", select: () => undefined })).toEqual(["shape"]);
    expect(rules({ name: "x" } as unknown as UnspawnPolicy)).toEqual(["shape"]);
  });

  it("checkPolicy - an id outside the set breaks membership, with the smallest set that shows it", () => {
    const report = checkPolicy({ name: "ghost", select: () => "nobody" }, { seed: 42, numRuns: 100 });
    const membership = report.failures.find((failure) => failure.property === "membership");
    expect(membership).toMatchObject({
      property: "membership",
      message: 'select returned "nobody", which is neither undefined nor the id of a spawn in the set',
      counterexample: ["spawn-1"],
      seed: 42,
    });
    expect(report.failures.map((failure) => failure.property)).toEqual(["membership", "empty"]);
  });

  it("checkPolicy - answering for an empty set breaks the empty rule", () => {
    expect(rules({ name: "always", select: (spawns) => spawns.latest()?.id ?? "spawn-1" })).toEqual(["empty"]);
  });

  it("checkPolicy - ambient randomness breaks determinism", () => {
    const random: UnspawnPolicy = {
      name: "random",
      select: (spawns) => [...spawns][Math.floor(Math.random() * spawns.size)]?.id,
    };
    expect(rules(random)).toContain("deterministic");
  });

  it("checkPolicy - writing to the views breaks no-mutation", () => {
    const meddler: UnspawnPolicy = {
      name: "meddler",
      select: (spawns) => {
        const latest = spawns.latest();
        if (latest !== undefined) (latest as { inFlight: number }).inFlight = 99;
        return latest?.id;
      },
    };
    expect(rules(meddler)).toEqual(["no-mutation", "time-bound"]);
  });

  it("checkPolicy - a throwing select breaks each rule it is asked about", () => {
    const failing = rules({
      name: "thrower",
      select: () => {
        throw new Error("no");
      },
    });
    expect(failing).toEqual(["membership", "empty", "deterministic", "no-mutation", "time-bound"]);
  });

  it("checkPolicy - sorting the whole set on every call breaks the time bound", () => {
    const sorter: UnspawnPolicy = {
      name: "sorter",
      select: (spawns) =>
        [...spawns].sort((a: SpawnView, b: SpawnView) => a.inFlight - b.inFlight || b.id.localeCompare(a.id))[0]?.id,
    };
    // Sorting measures about 20 passes here; a limit of 5 keeps the test far from the edge.
    const report = checkPolicy(sorter, { seed: 42, numRuns: 50, maxPasses: 5 });
    expect(report.failures.map((failure) => failure.property)).toEqual(["time-bound"]);
    expect(report.failures[0]?.message).toMatch(
      /^select took [\d.]+ ms at 100000 spawns: [\d.]+ full passes over the set \(limit 5\)$/,
    );
  });

  it("checkPolicy - one pass over the set stays within the time bound", () => {
    const idlest: UnspawnPolicy = {
      name: "idlest",
      select: (spawns) => {
        let best: SpawnView | undefined;
        for (const spawn of spawns) if (best === undefined || spawn.inFlight <= best.inFlight) best = spawn;
        return best?.id;
      },
    };
    expect(checkPolicy(idlest, { seed: 42 }).failures).toEqual([]);
  });

  it("checkPolicy - the report names the policy, each rule, the smallest set and how to replay", () => {
    const text = String(checkPolicy({ name: "ghost", select: () => "nobody" }, { seed: 42, numRuns: 100 }));
    expect(text).toContain('policy "ghost" breaks 2 rules:');
    expect(text).toContain("- membership: select returned");
    expect(text).toContain("  smallest set: [spawn-1]");
    expect(text).toMatch(/ {2}replay: checkPolicy\(policy, \{ seed: 42, path: "[\d:]+" \}\)/);
    expect(text).toContain("- empty: for an empty set select returned");
  });

  it("assertPolicy - throws the readable report, and passes a correct policy", () => {
    expect(() => assertPolicy({ name: "ghost", select: () => "nobody" }, { seed: 1, numRuns: 20 })).toThrow(
      /policy "ghost" breaks 2 rules/,
    );
    expect(() => assertPolicy(last, { seed: 1 })).not.toThrow();
  });
});

describe("checkPolicy counterexamples", () => {
  it("checkPolicy - a counterexample shows the views' fields, naming those that tell the spawns apart", () => {
    // Wrong when the newest spawn has a job in flight: it answers an id outside the set.
    const busyGhost: UnspawnPolicy = {
      name: "busy-ghost",
      select: (spawns) => {
        const latest = spawns.latest();
        return latest !== undefined && latest.inFlight > 0 ? "nobody" : latest?.id;
      },
    };
    const report = checkPolicy(busyGhost, { seed: 42, numRuns: 200 });
    const membership = report.failures.find((failure) => failure.property === "membership");
    expect(membership?.counterexample).toEqual(["spawn-1"]);
    expect(membership?.views).toEqual([
      {
        id: "spawn-1",
        programId: "program",
        startedAt: 0,
        inFlight: 1,
        submitted: 1,
        succeeded: 0,
        errored: 0,
        completed: 0,
      },
    ]);
    expect(String(report)).toContain(
      "  the view:\n    spawn-1 { startedAt: 0, inFlight: 1, submitted: 1, succeeded: 0, errored: 0, completed: 0 }",
    );
  });

  it("checkPolicy - for several views, the report names the fields that differ between them", () => {
    // Wrong when two spawns differ in errors: it answers the one with more, plus a typo.
    const picky: UnspawnPolicy = {
      name: "picky",
      select: (spawns) => {
        const views = [...spawns];
        const worst = views.reduce<SpawnView | undefined>(
          (best, view) => (best === undefined || view.errored > best.errored ? view : best),
          undefined,
        );
        return worst !== undefined && views.some((view) => view.errored !== worst.errored) ? `${worst.id}!` : worst?.id;
      },
    };
    const text = String(checkPolicy(picky, { seed: 42, numRuns: 200 }));
    expect(text).toMatch(/ {2}views \(fields that differ between them: [\w, ]*errored[\w, ]*\):\n {4}spawn-1 \{/);
    expect(text).toMatch(/ {4}spawn-2 \{[^}]*errored: [1-9]/);
  });
});
