/**
 * `schedkit-sim fleet`: the fleet simulator (`simulateFleet`) from the command line, and the
 * replay of its failure files. `cli.ts` hands `fleet ...` here (and `replay FILE` of a fleet file to
 * `internal/cli/fleetReplay.ts`); the parsing, the sweep and the report live in `internal/cli/`.
 */
import { FLEET_USAGE, type FleetCliOptions, parseFleetArgs } from "./internal/cli/fleetArgs.js";
import { replayFleetFile } from "./internal/cli/fleetReplay.js";
import { runFleetSweep, runFleetSweepHere } from "./internal/cli/fleetSweep.js";
import { readTimelineFile } from "./internal/cli/timelineFile.js";

export { FLEET_USAGE, type FleetCliOptions, parseFleetArgs } from "./internal/cli/fleetArgs.js";
export { replayFleetFile, writeFleetFailure } from "./internal/cli/fleetReplay.js";
export { hardCases } from "./internal/cli/fleetSummary.js";
export { runFleetSweep, runFleetSweepHere } from "./internal/cli/fleetSweep.js";
export { isFleetTimeline } from "./internal/cli/timelineFile.js";
export type { FleetCliViolation, FleetFailureFile } from "./internal/fleetSeed.js";
export { fleetFailureTimeline } from "./internal/fleetSeed.js";

/** What `fleetMain` and `fleetMainAsync` share: `--help` and replays are done (the exit code); else the sweep's options. */
const fleetCommand = (argv: readonly string[], write: (line: string) => void): number | FleetCliOptions => {
  const options = parseFleetArgs(argv);
  if (options === "help") {
    write(FLEET_USAGE);
    return 0;
  }
  if (options.replay !== undefined) {
    return replayFleetFile(options.replay, readTimelineFile(options.replay), options, write);
  }
  return options;
};

/**
 * Runs `schedkit-sim fleet ...` (the arguments after `fleet`) in this thread; returns the exit
 * code (0 clean, 1 a check broke). Throws a coded `CliError` for a bad invocation or input, and
 * `needs-async` for `--workers` above 1 (`fleetMainAsync` runs those).
 */
export const fleetMain = (argv: readonly string[], write: (line: string) => void = console.log): number => {
  const parsed = fleetCommand(argv, write);
  return typeof parsed === "number" ? parsed : runFleetSweepHere(parsed, write);
};

/** `fleetMain`, with `--workers N` too: resolves to the exit code. */
export const fleetMainAsync = async (
  argv: readonly string[],
  write: (line: string) => void = console.log,
): Promise<number> => {
  const parsed = fleetCommand(argv, write);
  return typeof parsed === "number" ? parsed : runFleetSweep(parsed, write);
};
