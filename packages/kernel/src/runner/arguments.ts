import { show } from "../internal/describe.js";
import type { KernelQueries } from "../internal/queries.js";
import type { SpawnProps } from "../Program.js";
import type { SchedkitError } from "../SchedkitError.js";
import { inputError } from "./inputError.js";

// Checking the arguments of calls that send no command (queries, `subscribe`): the kernel
// cannot reject them, so a bad one throws a coded `invalid-command` here, and changes nothing.

const invalidArgument = (field: string, message: string): SchedkitError =>
  inputError("invalid-command", field, message);

/** A query's id argument: a string, else a coded error (no kernel lookup of something that cannot be an id). */
const checkId = (value: unknown, field: "programId" | "spawnId"): void => {
  if (typeof value !== "string") throw invalidArgument(field, `expected a string, got ${show(value)}`);
};

const checkOrder = (order: unknown): void => {
  if (order !== undefined && order !== "asc" && order !== "desc") {
    throw invalidArgument("order", `expected "asc" or "desc", got ${show(order)}`);
  }
};

/** `subscribe`'s listener: a function. */
export const checkListener = (listener: unknown): void => {
  if (typeof listener !== "function") throw invalidArgument("listener", `expected a function, got ${show(listener)}`);
};

/** The kernel's queries, with their arguments checked first. */
export const checkedQueries = (queries: KernelQueries): Omit<KernelQueries, "info"> => {
  const byProgram =
    <T>(query: (programId: string) => T) =>
    (programId: string): T => {
      checkId(programId, "programId");
      return query(programId);
    };
  const bySpawn =
    <T>(query: (programId: string, spawnId: string) => T) =>
    (programId: string, spawnId: string): T => {
      checkId(programId, "programId");
      checkId(spawnId, "spawnId");
      return query(programId, spawnId);
    };
  function getProps(programId: string): Record<string, SpawnProps>;
  function getProps(programId: string, spawnId: string): SpawnProps;
  function getProps(programId: string, spawnId?: string): SpawnProps | Record<string, SpawnProps> {
    checkId(programId, "programId");
    if (spawnId === undefined) return queries.getProps(programId);
    checkId(spawnId, "spawnId");
    return queries.getProps(programId, spawnId);
  }
  return {
    // A yes/no question: anything that is not an installed program's id is not installed.
    isInstalled: (programId) => typeof programId === "string" && queries.isInstalled(programId),
    getProgram: byProgram(queries.getProgram),
    getState: byProgram(queries.getState),
    getSpawnState: bySpawn(queries.getSpawnState),
    getProps,
    getSpawn: bySpawn(queries.getSpawn),
    // With no program id, these two answer for every program.
    listSpawns: (programId, order) => {
      if (programId !== undefined) checkId(programId, "programId");
      checkOrder(order);
      return queries.listSpawns(programId, order);
    },
    listSpawnIds: (programId, order) => {
      if (programId !== undefined) checkId(programId, "programId");
      checkOrder(order);
      return queries.listSpawnIds(programId, order);
    },
    countSpawns: (programId) => {
      if (programId !== undefined) checkId(programId, "programId");
      return queries.countSpawns(programId);
    },
    latestSpawn: byProgram(queries.latestSpawn),
    earliestSpawn: byProgram(queries.earliestSpawn),
    listStopped: byProgram(queries.listStopped),
    latestStopped: byProgram(queries.latestStopped),
    latest: byProgram(queries.latest),
  };
};
