import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/cli.js";
import { simulate } from "../src/index.js";

const root = resolve(import.meta.dirname, "../../..");
const cliPath = resolve(import.meta.dirname, "../src/cli.ts");

/** Runs `schedkit-sim` as a child process (under tsx, as `pnpm sim` does). */
export const cli = (args: readonly string[]) => {
  const child = spawnSync(process.execPath, ["--import", "tsx", cliPath, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SCHEDKIT_SIM_DEBUG: "" },
  });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
};

/** A refused invocation: exit code 2, one coded line on stderr, no stack trace, nothing on stdout. */
const refused = (args: readonly string[], code: string, message: RegExp) => {
  const result = cli(args);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe("");
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^schedkit-sim: error \\[${code}\\]: `));
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return lines[0] as string;
};

const dir = () => mkdtempSync(join(tmpdir(), "schedkit-sim-errors-"));
const fileWith = (text: string) => {
  const file = join(dir(), "timeline.json");
  writeFileSync(file, text);
  return file;
};
const timeline = () => simulate({ seed: 2, scenario: "stats", steps: 50, faults: "none" }).timeline;

describe("cli errors: one coded line, exit code 2", { timeout: 30_000 }, () => {
  it("replay - a missing file", () => {
    refused(["replay", join(dir(), "nope.json")], "missing-file", /no file at .*nope\.json/);
  });

  it("replay - an empty file", () => {
    refused(["replay", fileWith("  \n")], "empty-file", /is empty/);
  });

  it("replay - a garbage file", () => {
    refused(["replay", fileWith("hello, world")], "not-json", /is not JSON/);
  });

  it("replay - a truncated file", () => {
    const text = JSON.stringify(timeline());
    refused(["replay", fileWith(text.slice(0, Math.floor(text.length / 2)))], "truncated-file", /ends early/);
  });

  it("replay - an unknown event kind lists every kind", () => {
    const bad = { ...timeline(), events: [{ at: 0, kind: "explode", programId: "stats" }] };
    const line = refused(["replay", fileWith(JSON.stringify(bad))], "bad-timeline", /timeline\.events\[0\]\.kind/);
    for (const kind of [
      "install",
      "uninstall",
      "clear",
      "unspawn",
      "stop-all",
      "kill-all",
      "spawn",
      "trigger",
      "bad",
      "set-interval",
      "stop-spawn",
      "kill-spawn",
      "jump",
      "regress",
      "crash",
      "wall",
    ]) {
      expect(line).toContain(kind);
    }
    expect(line).toContain('got "explode"');
  });

  it("replay - events out of time order are refused", () => {
    const base = timeline();
    const events = [...base.events, { at: 5, kind: "crash" }, { at: 1, kind: "crash" }];
    refused(
      ["replay", fileWith(JSON.stringify({ ...base, events }))],
      "bad-timeline",
      /timeline\.events\[\d+\]\.at: events must be in time order/,
    );
  });

  it("--json --report /nonexistent/r.html - refused before the run, so no JSON is lost", () => {
    const started = performance.now();
    refused(
      ["--json", "--report", "/nonexistent/r.html"],
      "not-writable",
      /--report \/nonexistent\/r\.html: .*nothing was run/,
    );
    // The whole default run takes seconds; a refusal up front is process start-up only.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("--report --json - a flag where a value is expected", () => {
    refused(["--report", "--json"], "missing-value", /--report: expected a file name, got the flag "--json"/);
  });

  it("--out - a bare --out", () => {
    refused(["--out"], "missing-value", /--out: expected a folder, got nothing/);
  });

  it("replay FILE --seeds 5 --steps 10 - flags replay ignores are refused", () => {
    refused(
      ["replay", fileWith(JSON.stringify(timeline())), "--seeds", "5", "--steps", "10"],
      "replay-flag",
      /replay FILE takes no --seeds, --steps/,
    );
  });

  it("--scenario stats --seeds 0 - at least one run", () => {
    refused(["--scenario", "stats", "--seeds", "0"], "bad-value", /--seeds: expected a whole number >= 1/);
  });

  it("an unknown flag, and a bad --policies module", () => {
    refused(["--frobnicate"], "unknown-option", /unknown argument "--frobnicate"/);
    refused(["--policies", "./nowhere/policies.ts"], "policies-not-found", /no module at/);
    refused(["--policies", "packages/sim/test/fixtures/no-policies.ts"], "policies-invalid", /exports no policies/);
  });

  it("replay - a timeline naming a policy it was not given", () => {
    refused(
      ["replay", fileWith(JSON.stringify({ ...timeline(), policies: ["nope"] }))],
      "unknown-policy",
      /policy named "nope".*--policies MODULE/,
    );
  });

  it("--seed=3 - the = form is accepted", () => {
    expect(parseArgs(["--seed=3", "--steps=50", "--scenario=stats", "--seeds=1"])).toMatchObject({
      seed: 3,
      steps: 50,
      scenario: "stats",
      seeds: 1,
    });
    const result = cli(["--seed=3", "--scenario", "stats", "--seeds", "1", "--steps", "50", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).runs[0]).toMatchObject({ seed: 3, scenario: "stats" });
  });
});
