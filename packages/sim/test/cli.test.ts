import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, parseArgs, writeFailure } from "../src/cli.js";
import { replay, simulate } from "../src/index.js";

const capture = (argv: string[]) => {
  const lines: string[] = [];
  const code = main(argv, (line) => lines.push(line));
  return { code, output: lines.join("\n") };
};

describe("cli", () => {
  it("main - runs the five scenarios and a swarm, and prints a readable summary", () => {
    const { code, output } = capture(["--seeds", "2", "--steps", "300"]);
    expect(code).toBe(0);
    for (const scenario of ["cron-cleanup", "worker-pool", "dynamic-scaling", "manual-trigger", "stats"]) {
      expect(output).toMatch(new RegExp(`^${scenario} +${scenario} +1 +300 `, "m"));
    }
    expect(output.match(/^swarm /gm)).toHaveLength(2);
    expect(output).toMatch(/lateness over all jobs: p50 \d+ p90 \d+ p99 \d+ max \d+ ms/);
    expect(output).toMatch(/^7 runs, 2100 steps, \d+ checks passed, 0 violations, [\d,]+ simulated events\/s/m);
  });

  it("main --json - prints one JSON object with traceHash, violations and jitter", () => {
    const { code, output } = capture([
      "--scenario",
      "stats",
      "--seed",
      "3",
      "--seeds",
      "1",
      "--steps",
      "200",
      "--json",
    ]);
    expect(code).toBe(0);
    const json = JSON.parse(output);
    expect(json).toMatchObject({ violations: [], jitter: { count: expect.any(Number) } });
    expect(json.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(json.runs).toHaveLength(1);
    expect(json.runs[0]).toMatchObject({
      scenario: "stats",
      seed: 3,
      // A chosen scenario's seeds all get the swarm of faults, by the seed alone (a flagged seed reruns alike).
      traceHash: simulate({ seed: 3, scenario: "stats", steps: 200, faults: "swarm" }).traceHash,
    });
  });

  it("main --report - writes an HTML report beside the text summary", () => {
    const file = join(mkdtempSync(join(tmpdir(), "schedkit-sim-")), "report.html");
    const { code, output } = capture(["--scenario", "worker-pool", "--seeds", "2", "--steps", "200", "--report", file]);
    expect(code).toBe(0);
    expect(output).toContain(`report: ${file}`);
    const html = readFileSync(file, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(4);
  });

  it("main replay FILE - reproduces a saved timeline's trace", () => {
    const result = simulate({ seed: 8, scenario: "mix", steps: 300 });
    const file = join(mkdtempSync(join(tmpdir(), "schedkit-sim-")), "timeline.json");
    writeFileSync(file, JSON.stringify(result.timeline));
    const { code, output } = capture(["replay", file, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(output).runs[0].traceHash).toBe(result.traceHash);
  });

  it("main replay - a timeline naming a policy the command line does not have is refused, naming it", () => {
    const { timeline } = simulate({ seed: 1, scenario: "stats", steps: 50 });
    const file = join(mkdtempSync(join(tmpdir(), "schedkit-sim-")), "custom.json");
    writeFileSync(file, JSON.stringify({ ...timeline, policies: ["nope"] }));
    expect(() => capture(["replay", file])).toThrow(/policy named "nope"/);
  });

  it("writeFailure - a failing run's shrunk timeline goes to the out folder, and replays to the same violation", () => {
    const ghost = {
      name: "ghost",
      select: (spawns: { size: number; latest(): { id: string } | undefined }) =>
        spawns.size > 1 ? "nobody" : spawns.latest()?.id,
    };
    const result = simulate({ seed: 3, scenario: "dynamic-scaling", steps: 1500, faults: "none", policies: [ghost] });
    const out = mkdtempSync(join(tmpdir(), "schedkit-sim-"));
    const file = writeFailure({ out }, result);
    expect(readdirSync(out)).toEqual(["dynamic-scaling-seed-3.json"]);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved).toEqual(result.shrunk);
    expect(replay(saved, { policies: [ghost] }).violations[0]).toMatchObject({ check: "policy-member" });
  });

  it("parseArgs - bad arguments are refused with the usage text", () => {
    expect(() => parseArgs(["--steps", "zero"])).toThrow(
      /--steps: expected a whole number >= 1, got "zero"[\s\S]*Usage:/,
    );
    expect(() => parseArgs(["--scenario", "nope"])).toThrow(/--scenario: expected one of cron-cleanup/);
    expect(() => parseArgs(["--faults", "lag,volcanoes"])).toThrow(/--faults: expected none, swarm or families/);
    expect(() => parseArgs(["--frobnicate"])).toThrow(/unknown argument "--frobnicate"/);
    expect(parseArgs(["--help"])).toBe("help");
    expect(parseArgs(["--faults", "lag,crashes"])).toMatchObject({ faults: { lag: true, crashes: true } });
  });
});
