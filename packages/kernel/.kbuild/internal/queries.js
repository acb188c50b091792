import { SchedkitError } from "../SchedkitError.js";
import { show } from "./describe.js";
import { isPaused, propsOf } from "./model.js";

/** Sets a record's key, also when it is `"__proto__"` (an id like any other). */
const setKey = (record, key, value) => {
  if (key === "__proto__")
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
};
/**
 * State handed out is a copy: a caller changing it cannot change the kernel's
 * (and its snapshots and replays). State that cannot be cloned (it holds
 * functions, say) is handed out as it is.
 */
const copyOf = (state) => {
  if (typeof state !== "object" || state === null) return state;
  try {
    return structuredClone(state);
  } catch {
    return state;
  }
};
const waitingOf = (spawn) => spawn.inFlightCount + spawn.buffer.length + (spawn.pending === null ? 0 : 1);
const jobsOf = (spawn) => ({
  submitted: spawn.submitted,
  succeeded: spawn.succeeded,
  errored: spawn.errored,
  waiting: waitingOf(spawn),
});
export const spawnInfoOf = (spawn) => ({
  id: spawn.id,
  programId: spawn.programId,
  status: spawn.status,
  ...propsOf(spawn),
  inFlight: spawn.inFlightCount,
  waiting: waitingOf(spawn),
  // Copies, as getState gives: a caller changing them cannot change the kernel.
  state: copyOf(spawn.program.scope === "spawn" ? spawn.state : spawn.program.state),
  result: copyOf(spawn.latestResult.get()),
  results: spawn.results === undefined ? undefined : copyOf(spawn.results),
  duration: spawn.updatedAt - spawn.startedAt,
  jobs: jobsOf(spawn),
});
export const createQueries = (machine) => {
  const program = (programId) => {
    const record = machine.programs.get(programId);
    if (record === undefined) {
      throw new SchedkitError("unknown-program", `programId: no program ${show(programId)} is installed`, {
        field: "programId",
      });
    }
    return record;
  };
  const spawn = (programId, spawnId) => {
    const record = program(programId).spawns.get(spawnId);
    if (record === undefined) {
      throw new SchedkitError("unknown-spawn", `spawnId: program ${show(programId)} has no spawn ${show(spawnId)}`, {
        field: "spawnId",
      });
    }
    return record;
  };
  const newestStopped = (record) => record.history[record.history.length - 1];
  function getProps(programId, spawnId) {
    if (spawnId !== undefined) return propsOf(spawn(programId, spawnId));
    const props = {};
    for (const record of program(programId).running) setKey(props, record.id, propsOf(record));
    return props;
  }
  return {
    isInstalled: (programId) => machine.programs.has(programId),
    getProgram: (programId) => program(programId).spec,
    getState: (programId) => copyOf(program(programId).state),
    getSpawnState: (programId, spawnId) => {
      const record = spawn(programId, spawnId);
      return copyOf(record.program.scope === "spawn" ? record.state : record.program.state);
    },
    getProps,
    getSpawn: (programId, spawnId) => spawnInfoOf(spawn(programId, spawnId)),
    listSpawns: (programId, order = "asc") => {
      if (order !== "asc" && order !== "desc") {
        throw new SchedkitError("invalid-command", `order: expected "asc" or "desc", got ${show(order)}`, {
          field: "order",
        });
      }
      if (programId === undefined) {
        // Every program's, by start time (ties in creation order), as the original's list-spawns of a runner.
        const all = [];
        for (const record of machine.programs.values()) all.push(...record.running);
        all.sort((a, b) => a.startedAt - b.startedAt || a.seq - b.seq);
        if (order === "desc") all.reverse();
        return all.map(spawnInfoOf);
      }
      const running = program(programId).running;
      return [...(order === "desc" ? running.reversed() : running)].map(spawnInfoOf);
    },
    countSpawns: (programId) => {
      if (programId !== undefined) return program(programId).running.size;
      let count = 0;
      for (const record of machine.programs.values()) count += record.running.size;
      return count;
    },
    latestSpawn: (programId) => {
      const tail = program(programId).running.tail;
      return tail === null ? undefined : spawnInfoOf(tail);
    },
    earliestSpawn: (programId) => {
      const head = program(programId).running.head;
      return head === null ? undefined : spawnInfoOf(head);
    },
    listStopped: (programId) => program(programId).history.map(spawnInfoOf).reverse(),
    latestStopped: (programId) => {
      const newest = newestStopped(program(programId));
      return newest === undefined ? undefined : spawnInfoOf(newest);
    },
    latest: (programId) => {
      const record = program(programId);
      const newest = record.running.tail ?? newestStopped(record);
      return newest === undefined || newest === null ? undefined : spawnInfoOf(newest);
    },
    info: () => {
      const programs = {};
      for (const record of machine.programs.values()) {
        const current = {};
        for (const running of record.running) {
          setKey(current, running.id, {
            status: running.status,
            duration: running.updatedAt - running.startedAt,
            jobs: jobsOf(running),
            lastError: running.lastError,
            // Only while paused: the shape is std.scheduler's otherwise.
            ...(isPaused(running)
              ? { paused: true, pauseNote: running.paused?.note ?? record.paused?.note ?? null }
              : {}),
          });
        }
        setKey(programs, record.id, {
          type: record.config.type,
          policy: record.policy ?? machine.defaultPolicy ?? null,
          current,
          ...(record.paused === null ? {} : { paused: true, pauseNote: record.paused.note ?? null }),
          counts: { ...record.counts },
        });
      }
      return { programs, clock: { now: machine.now, regressions: machine.regressions } };
    },
  };
};
