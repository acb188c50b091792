import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CliError, main, mainAsync, parseArgs } from "../src/cli.js";
import { describeRuns } from "../src/internal/workerPool.js";

const root = resolve(import.meta.dirname, "../../..");
const cliPath = resolve(import.meta.dirname, "../src/cli.ts");
const fixture = (name: string) => `packages/sim/test/fixtures/${name}`;

/** The command line in this process: its output (every line written), and its exit code. */
const capture = async (argv: readonly string[]) => {
  const lines: string[] = [];
  const code = await mainAsync(argv, (line) => lines.push(line));
  return { code, output: lines.join("\n") };
};

/**
 * The report without the figures that are timings (they differ between any two runs, one
 * worker or many): the summary's events/s and seconds, each run's `wallMs` and `eventsPerSecond`
 * in `--json`, and the same two in the HTML report.
 */
const timingless = (output: string): string =>
  output
    .replace(/violations, [\d,]+ simulated events\/s \(each run twice\), [\d.]+ s$/m, "violations, # events/s, # s")
    .replace(/"(wallMs|eventsPerSecond)":[-\d.e+]+/g, '"$1":#')
    .replace(/ simulated in [^·]+·/g, " simulated in # ·")
    .replace(/<td>[^<]*<\/td>(<td class="(?:bad)?">\d+<\/td>)/g, "<td>#</td>$1");

/** A run of the command line with `--workers N` appended, its failure files and its HTML report. */
const sweep = async (argv: readonly string[], workers: number) => {
  const dir = mkdtempSync(join(tmpdir(), `schedkit-sim-workers-${workers}-`));
  const out = join(dir, "failures");
  const report = join(dir, "report.html");
  const { code, output } = await capture([...argv, "--out", out, "--report", report, "--workers", String(workers)]);
  const files = existsSync(out) ? readdirSync(out) : [];
  return {
    code,
    raw: output,
    // The folders differ between the two runs; the report names them.
    output: timingless(output.replaceAll(dir, "DIR")),
    html: timingless(readFileSync(report, "utf8").replaceAll(dir, "DIR")),
    files: Object.fromEntries(files.map((name) => [name, readFileSync(join(out, name), "utf8")])),
  };
};

describe("cli --workers", { timeout: 120_000 }, () => {
  it("cli --workers - the report is byte-identical to one worker", async () => {
    const argv = ["--seeds", "12", "--steps", "400", "--checks", "determinism-only"];
    const one = await sweep(argv, 1);
    const three = await sweep(argv, 3);
    expect(one.code).toBe(0);
    expect(one.output).toMatch(/^17 runs, \d+ steps, \d+ checks passed, 0 violations, # events\/s, # s$/m);
    expect(three.code).toBe(one.code);
    expect(three.output).toBe(one.output);
    expect(three.html).toBe(one.html);
    const json = await sweep([...argv, "--json"], 1);
    const jsonThree = await sweep([...argv, "--json"], 3);
    expect(JSON.parse(json.raw).runs).toHaveLength(17);
    expect(jsonThree.output).toBe(json.output);
  });

  it("cli --workers - with full checks and failing runs: the same report, the same failure files, in the same order", async () => {
    // A buggy policy module, imported by each worker: every seed of policy-churn fails and is shrunk.
    const policies = resolve(root, fixture("buggy-policy.ts"));
    const argv = ["--policies", policies, "--seeds", "3", "--steps", "200", "--json"];
    const one = await sweep(argv, 1);
    const two = await sweep(argv, 2);
    expect(one.code).toBe(1);
    const runs = JSON.parse(one.raw).runs as { seed: number; failureFile?: string }[];
    expect(runs.map((run) => run.seed)).toEqual([1, 1, 1, 1, 1, 2, 3, 4]);
    expect(runs.filter((run) => run.failureFile !== undefined).length).toBeGreaterThan(0);
    expect(Object.keys(one.files).length).toBeGreaterThan(0);
    expect(two.code).toBe(1);
    expect(two.output).toBe(one.output);
    expect(two.html).toBe(one.html);
    expect(two.files).toEqual(one.files);
  });

  it("cli --workers - a worker that crashes is an error naming its seeds, not a hang", () => {
    const cli = (policies: string) =>
      spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          cliPath,
          "--policies",
          fixture(policies),
          "--seeds",
          "4",
          "--steps",
          "200",
          "--workers",
          "2",
        ],
        { cwd: root, encoding: "utf8" },
      );
    const exits = cli("exits-in-worker-policy.ts");
    expect(exits.status).toBe(2);
    expect(exits.stdout).toBe("");
    expect(exits.stderr.trim()).toMatch(
      /^schedkit-sim: error \[worker-crashed\]: --workers: worker [12] of 2 crashed, running (\S+ seeds? [\d–, and]+(, )?)+: it exited with code 7$/,
    );
    const throws = cli("throws-in-worker-policy.ts");
    expect(throws.status).toBe(2);
    expect(throws.stderr.trim()).toMatch(
      /^schedkit-sim: error \[worker-crashed\]: --workers: worker [12] of 2 crashed, running .*seeds? .*: CliError: --policies \S+: importing it failed: this module does not load in a worker$/,
    );
  });

  it("describeRuns - names runs by label and seed ranges", () => {
    const run = (label: string, seed: number) => ({ label, seed, scenario: undefined, faults: "none" as const });
    expect(describeRuns([run("swarm", 55), run("swarm", 56), run("swarm", 57)])).toBe("swarm seeds 55–57");
    expect(describeRuns([run("stats", 1), run("swarm", 2), run("swarm", 3), run("swarm", 7)])).toBe(
      "stats seed 1, swarm seeds 2–3 and 7",
    );
  });

  it("parseArgs --workers - a whole number >= 1 or auto; refused for replay; main (sync) asks for mainAsync", () => {
    const parsed = (argv: string[]) => parseArgs(argv) as Exclude<ReturnType<typeof parseArgs>, "help">;
    expect(parsed([]).workers).toBe(1);
    expect(parsed(["--workers", "3"]).workers).toBe(3);
    expect(parsed(["--workers=auto"]).workers).toBe(availableParallelism());
    for (const bad of ["0", "-1", "two", "1.5"]) {
      expect(() => parseArgs([`--workers=${bad}`])).toThrow(/--workers: expected a whole number >= 1 or auto/);
    }
    expect(() => parseArgs(["replay", "x.json", "--workers", "2"])).toThrow(
      expect.objectContaining({ code: "replay-flag" }),
    );
    expect(() => main(["--seeds", "2", "--workers", "2"], () => {})).toThrow(CliError);
    expect(() => main(["--seeds", "2", "--workers", "2"], () => {})).toThrow(/call mainAsync/);
  });
});
