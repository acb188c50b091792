import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CliError, main, mainAsync, parseArgs } from "../src/cli.js";
import { FLEET_USAGE, type FleetCliOptions, parseFleetArgs, runFleetSweep } from "../src/fleetCli.js";

const root = resolve(import.meta.dirname, "../../..");
const cliPath = resolve(import.meta.dirname, "../src/cli.ts");

/**
 * The report without the figures that are timings (they differ between any two runs, one worker
 * or many): the summary line's wall time, shrinking time and events/s, and `wallMs` and
 * `shrinkMs` in `--json`.
 */
const timingless = (output: string): string =>
  output
    .replace(
      / simulated, [\d,.]+ s(?:, [\d,.]+ s of [^(]*shrinking)? \([\d,]+ simulated events\/s, each seed run twice\)$/m,
      " simulated, # s (# simulated events/s, each seed run twice)",
    )
    .replace(/"(wallMs|shrinkMs)":[-\d.e+]+/g, '"$1":#');

/**
 * A fleet sweep with `--workers N`, its failure files and its HTML report: from the command line
 * (`mainAsync`), or from parsed options (`runFleetSweep`, for planted bugs, which no flag sets).
 */
const sweep = async (argv: readonly string[], workers: number, plant?: Pick<FleetCliOptions, "unsafe">) => {
  const dir = mkdtempSync(join(tmpdir(), `schedkit-sim-fleet-workers-${workers}-`));
  const out = join(dir, "failures");
  const report = join(dir, "report.html");
  const args = [...argv, "--out", out, "--report", report, "--workers", String(workers)];
  const lines: string[] = [];
  const write = (line: string) => void lines.push(line);
  const code =
    plant === undefined
      ? await mainAsync(["fleet", ...args], write)
      : await runFleetSweep({ ...(parseFleetArgs(args) as FleetCliOptions), ...plant }, write);
  const output = lines.join("\n");
  const files = existsSync(out) ? readdirSync(out).sort() : [];
  return {
    code,
    raw: output,
    // The folders differ between the two runs; the report names them.
    output: timingless(output.replaceAll(dir, "DIR")),
    html: readFileSync(report, "utf8").replaceAll(dir, "DIR"),
    files: Object.fromEntries(files.map((name) => [name, readFileSync(join(out, name), "utf8")])),
  };
};

/** The command line as a process (under tsx, as `pnpm sim` runs it), with `preload` required in it and its workers. */
const cli = (argv: readonly string[], preload: string) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done, failed) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--require", preload, cliPath, ...argv], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", failed);
    child.on("close", (status) => done({ status, stdout, stderr }));
  });

/**
 * A module required in each thread (workers inherit the node flags): in a worker, it wraps the
 * `message` listener the worker adds, and `how` ends the worker when it is sent seed 3.
 */
const crashingPreload = (how: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), "schedkit-sim-fleet-crash-")), "crash.cjs");
  writeFileSync(
    file,
    `const { parentPort } = require("node:worker_threads");
// The main thread has no parent port, nor has the thread of a loader's hooks.
if (parentPort !== null) {
  const on = parentPort.on.bind(parentPort);
  parentPort.on = (event, listener) =>
    on(event, event !== "message" ? listener : (batch) => {
      if (batch.runs.some(({ run }) => run.seed === 3)) { ${how} }
      listener(batch);
    });
}
`,
  );
  return file;
};

describe("schedkit-sim fleet --workers", { timeout: 120_000 }, () => {
  it("fleet --workers - the text and --json reports and the HTML report are the same as with one worker", async () => {
    const argv = ["--seeds", "3", "--steps", "100"];
    const one = await sweep(argv, 1);
    const two = await sweep(argv, 2);
    expect(one.code).toBe(0);
    expect(one.output).toMatch(
      /^3 seeds, 0 violations, [\d,]+ events, [\d,.]+ s simulated, # s \(# simulated events\/s, each seed run twice\)$/m,
    );
    expect(two.code).toBe(0);
    expect(two.output).toBe(one.output);
    expect(two.html).toBe(one.html);
    expect(two.files).toEqual({});

    const json = await sweep([...argv, "--json"], 1);
    const jsonTwo = await sweep([...argv, "--json"], 2);
    expect(JSON.parse(json.raw).runs.map((run: { seed: number }) => run.seed)).toEqual([1, 2, 3]);
    expect(jsonTwo.output).toBe(json.output);
  });

  it("fleet --workers - failing seeds (a planted bug): the same report and the same failure files, in seed order", async () => {
    // The store skips the epoch check: at 300 steps seeds 2 and 3 broke fenced-writes (and are
    // shrunk) and seed 4 held when this was written. With two workers seed 4 (fast) is done first,
    // and waits for the two before it.
    const plant = { unsafe: { skipEpochCheck: true } } as const;
    const argv = ["--seed", "2", "--seeds", "3", "--steps", "300"];
    const one = await sweep(argv, 1, plant);
    const two = await sweep(argv, 2, plant);
    expect(one.code).toBe(1);
    expect(Object.keys(one.files).length, "no seed of 2..4 broke a check with skipEpochCheck").toBeGreaterThan(0);
    expect(one.output).toContain("planted bugs: skipEpochCheck");
    expect(one.output).toMatch(/^ {2}→ shrunk failure file: DIR\/failures\/fleet-steady-seed-\d\.json$/m);
    expect(two.code).toBe(1);
    expect(two.output).toBe(one.output);
    expect(two.html).toBe(one.html);
    expect(two.files).toEqual(one.files);

    const json = await sweep([...argv, "--json"], 1, plant);
    const jsonTwo = await sweep([...argv, "--json"], 2, plant);
    const parsed = JSON.parse(json.raw) as { runs: { seed: number; failureFile?: string }[] };
    expect(parsed.runs.map((run) => run.seed)).toEqual([2, 3, 4]);
    expect(parsed.runs.filter((run) => run.failureFile !== undefined).length).toBe(Object.keys(one.files).length);
    expect(jsonTwo.code).toBe(1);
    expect(jsonTwo.output).toBe(json.output);
    expect(jsonTwo.files).toEqual(json.files);
  });

  it("fleet --workers - a worker that crashes is an error naming its seeds (exit 2), not a hang", async () => {
    const argv = [
      "fleet",
      "--seeds",
      "4",
      "--steps",
      "50",
      "--workers",
      "2",
      "--out",
      mkdtempSync(join(tmpdir(), "f-")),
    ];
    const [exits, throws] = await Promise.all([
      cli(argv, crashingPreload("process.exit(7);")),
      cli(argv, crashingPreload('throw new Error("planted crash");')),
    ]);
    // Worker 1 is sent seeds 1 and 2, worker 2 seeds 3 and 4 (one seed a batch, two in flight).
    expect(exits.status).toBe(2);
    expect(exits.stdout).toBe("");
    expect(exits.stderr.trim()).toBe(
      "schedkit-sim: error [worker-crashed]: --workers: worker 2 of 2 crashed, running fleet seeds 3–4: it exited with code 7",
    );
    expect(throws.status).toBe(2);
    expect(throws.stdout).toBe("");
    expect(throws.stderr.trim()).toBe(
      "schedkit-sim: error [worker-crashed]: --workers: worker 2 of 2 crashed, running fleet seeds 3–4: Error: planted crash",
    );
  });

  it("parseFleetArgs --workers - a whole number >= 1 or auto, refused as the single-node flag is; not for replay", () => {
    const parsed = (argv: string[]) => parseFleetArgs(argv) as FleetCliOptions;
    expect(parsed([]).workers).toBe(1);
    expect(parsed(["--workers", "3"]).workers).toBe(3);
    expect(parsed(["--workers=auto"]).workers).toBe(availableParallelism());
    const refusal = (parse: () => unknown): CliError => {
      try {
        parse();
      } catch (error) {
        expect(error).toBeInstanceOf(CliError);
        return error as CliError;
      }
      throw new Error("expected a refusal");
    };
    for (const bad of ["0", "-1", "two", "1.5"]) {
      const fleet = refusal(() => parseFleetArgs([`--workers=${bad}`]));
      const single = refusal(() => parseArgs([`--workers=${bad}`]));
      expect(fleet).toMatchObject({ code: "bad-value", line: single.line, helpCommand: "schedkit-sim fleet --help" });
      expect(fleet.line).toBe(`--workers: expected a whole number >= 1 or auto, got ${JSON.stringify(bad)}`);
    }
    expect(refusal(() => parseFleetArgs(["--workers"])).line).toBe(refusal(() => parseArgs(["--workers"])).line);
    expect(refusal(() => parseFleetArgs(["replay", "x.json", "--workers", "2"]))).toMatchObject({
      code: "replay-flag",
      line: expect.stringMatching(/^fleet replay FILE takes no --workers: .*it is one run/),
    });
    expect(FLEET_USAGE).toMatch(/^ {2}--workers N {7}run the seeds in N worker threads/m);
  });

  it("main fleet --workers - the synchronous main asks for mainAsync; one thread is enough for one seed", () => {
    expect(() => main(["fleet", "--seeds", "2", "--workers", "2"], () => {})).toThrow(
      expect.objectContaining({ code: "needs-async", message: expect.stringMatching(/call mainAsync/) }),
    );
    const out = mkdtempSync(join(tmpdir(), "schedkit-sim-fleet-one-"));
    expect(main(["fleet", "--seeds", "1", "--steps", "50", "--workers", "4", "--out", out], () => {})).toBe(0);
  });
});
