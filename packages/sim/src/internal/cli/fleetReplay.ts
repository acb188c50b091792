/** Fleet failure files: written for a failing seed, replayed by `replay FILE` or `fleet replay FILE`. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isSchedkitError } from "@schedkit/kernel";
import {
  decodeFleetTimeline,
  type FleetResult,
  type FleetTimeline,
  replayFleet,
  type SimulateFleetResult,
} from "../../fleet/index.js";
import { CliError } from "../cliError.js";
import {
  determinismViolation,
  type FleetCliViolation,
  type FleetFailureFile,
  fleetFailureTimeline,
} from "../fleetSeed.js";
import { canonical } from "../hash.js";
import { finish } from "./fleetReport.js";
import { type SeedRun, summarise } from "./fleetSummary.js";
import { firstLine, replayText } from "./fleetText.js";
import { assertWritableFile } from "./outputs.js";

/** Writes a failure file to `<dir>/fleet-<scenario>-seed-<seed>.json`; returns its absolute path. */
export const writeFailureFile = (file: FleetFailureFile, scenario: string, seed: number, dir: string): string => {
  const path = resolve(dir, `fleet-${scenario}-seed-${seed}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
};

/**
 * Writes a failing `simulateFleet` result's timeline (see `fleetFailureTimeline`) to
 * `<dir>/fleet-<scenario>-seed-<seed>.json` and returns its absolute path; replay it with
 * `schedkit-sim replay FILE` or `replayFleet(JSON.parse(text))`. `undefined` when no check broke.
 */
export const writeFleetFailure = (result: SimulateFleetResult, dir = "sim-failures"): string | undefined => {
  const timeline = fleetFailureTimeline(result);
  return timeline === undefined ? undefined : writeFailureFile(timeline, result.timeline.scenario, result.seed, dir);
};

/** Replays a parsed fleet file twice (for determinism); a trace unlike the recorded one is a violation. */
const replaySeed = (file: string, value: unknown): SeedRun => {
  const refuse = (line: string): never => {
    throw new CliError("bad-timeline", `replay: ${resolve(file)}: ${line}`);
  };
  const { traceHash: recorded, ...fields } = value as Record<string, unknown>;
  if (recorded !== undefined && typeof recorded !== "string") {
    refuse(`timeline.traceHash: expected a trace hash, got ${canonical(recorded)}`);
  }
  let timeline: FleetTimeline;
  let result: FleetResult;
  let second: FleetResult;
  try {
    timeline = decodeFleetTimeline(fields);
    // The coordinator checks the lease options itself: a bad one is the file's fault too.
    result = replayFleet(timeline);
    second = replayFleet(timeline);
  } catch (error) {
    if (isSchedkitError(error) && error.code === "invalid-options") refuse(firstLine(error.message));
    throw error;
  }
  const violations: FleetCliViolation[] = [];
  if (recorded !== undefined && recorded !== result.traceHash) {
    violations.push({
      check: "trace-hash",
      step: 0,
      at: 0,
      message: `this failure file was recorded with a different simulator or kernel: trace ${result.traceHash} != recorded ${recorded}`,
    });
  }
  violations.push(...result.violations);
  if (second.traceHash !== result.traceHash) violations.push(determinismViolation(timeline.seed, result, second));
  return {
    seed: timeline.seed,
    result,
    violations,
    secondTraceHash: second.traceHash,
    shrinkMs: 0,
    recorded: (recorded as string | undefined) ?? null,
  };
};

/**
 * Replays a parsed fleet failure file (`schedkit-sim replay FILE` or `fleet replay FILE`);
 * returns the exit code: 1 when a check broke or the trace differs from the recorded one.
 */
export const replayFleetFile = (
  file: string,
  value: unknown,
  options: { readonly json: boolean; readonly report: string | undefined },
  write: (line: string) => void,
): number => {
  if (options.report !== undefined) assertWritableFile(options.report, "--report");
  const started = performance.now();
  const run = replaySeed(file, value);
  const summary = summarise([run], performance.now() - started);
  const { timeline } = run.result;
  const fleet = {
    file: resolve(file),
    nodes: timeline.nodes,
    shards: timeline.shards,
    scenario: timeline.scenario,
    delivery: timeline.delivery,
    families: timeline.families,
    ...(timeline.unsafe === undefined ? {} : { unsafe: timeline.unsafe }),
  };
  return finish([run], summary, options, `replay of ${resolve(file)}`, fleet, replayText(file, run, summary), write);
};
