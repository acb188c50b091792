import type { ProgramSpec, ResultRecord, SpawnProps } from "../Program.js";
import { SchedkitError } from "../SchedkitError.js";
import { show } from "./describe.js";
import { latestResultOf } from "./latestResult.js";
import type { Machine } from "./machine.js";
import type { ProgramRecord, SpawnRecord, SpawnStatus } from "./model.js";
import { isPaused, propsOf } from "./model.js";

/** A detached copy of one spawn's public fields. @since 0.1.0 */
export interface SpawnInfo extends SpawnProps {
  readonly id: string;
  readonly programId: string;
  readonly status: SpawnStatus;
  /** Jobs of this spawn running now. */
  readonly inFlight: number;
  /** Jobs scheduled or in flight. */
  readonly waiting: number;
  /** This spawn's own state (scope "spawn"), else the program's state. */
  readonly state: unknown;
  /** The latest result record. */
  readonly result: ResultRecord | undefined;
  /** Every kept result (output "all"), oldest first; else undefined. */
  readonly results: readonly ResultRecord[] | undefined;
  /** `updatedAt - startedAt`, in ms, as in `info().current`. */
  readonly duration: number;
  /** The spawn's jobs, as in `info().current`. */
  readonly jobs: SpawnJobs;
}

/** A spawn's job counts, as `info()` and `getSpawn` show them. @since 0.1.0 */
export interface SpawnJobs {
  readonly submitted: number;
  readonly succeeded: number;
  readonly errored: number;
  /** Scheduled or in flight. */
  readonly waiting: number;
}

/** @since 0.1.0 */
export interface KernelInfo {
  readonly programs: Readonly<Record<string, ProgramInfo>>;
  readonly clock: { readonly now: number; readonly regressions: number };
}

/** @since 0.1.0 */
export interface ProgramInfo {
  readonly type: "basic" | "constant" | "cron";
  readonly policy: string | null;
  readonly current: Readonly<
    Record<
      string,
      {
        readonly status: SpawnStatus;
        readonly duration: number;
        readonly jobs: SpawnJobs;
        /** The spawn's latest error (`undefined` if none). */
        readonly lastError: unknown;
        /** Present (true) while the spawn or its program is paused. @since 0.2.0 */
        readonly paused?: true;
        /** While paused: the spawn's pause note, else its program's, else `null`. @since 0.2.0 */
        readonly pauseNote?: string | null;
      }
    >
  >;
  /** Present (true) while the program itself is paused (its spawns with it). @since 0.2.0 */
  readonly paused?: true;
  /** While paused: the program's pause note, or `null`. @since 0.2.0 */
  readonly pauseNote?: string | null;
  readonly counts: { readonly submitted: number; readonly succeeded: number; readonly errored: number };
}

/** The read-only questions a kernel (and a runner) answers. @since 0.1.0 */
export interface KernelQueries {
  isInstalled(programId: string): boolean;
  getProgram(programId: string): ProgramSpec;
  getState(programId: string): unknown;
  getSpawnState(programId: string, spawnId: string): unknown;
  getProps(programId: string): Record<string, SpawnProps>;
  getProps(programId: string, spawnId: string): SpawnProps;
  getSpawn(programId: string, spawnId: string): SpawnInfo;
  /** One program's running spawns by start time; with no program id, every program's. */
  listSpawns(programId?: string, order?: "asc" | "desc"): SpawnInfo[];
  /**
   * The ids of the spawns `listSpawns` lists, in its order, without copying each one's state and
   * results (a policy or a dashboard that only picks a spawn). @since 0.1.0
   */
  listSpawnIds(programId?: string, order?: "asc" | "desc"): string[];
  /** One program's running spawns; with no program id, every program's. */
  countSpawns(programId?: string): number;
  latestSpawn(programId: string): SpawnInfo | undefined;
  earliestSpawn(programId: string): SpawnInfo | undefined;
  listStopped(programId: string): SpawnInfo[];
  latestStopped(programId: string): SpawnInfo | undefined;
  latest(programId: string): SpawnInfo | undefined;
  info(): KernelInfo;
}

/** Sets a record's key, also when it is `"__proto__"` (an id like any other). */
const setKey = <T>(record: Record<string, T>, key: string, value: T): void => {
  if (key === "__proto__")
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
};

/**
 * State handed out is a copy: a caller changing it cannot change the kernel's
 * (and its snapshots and replays). State that cannot be cloned (it holds
 * functions, say) is handed out as it is.
 */
const copyOf = (state: unknown): unknown => {
  if (typeof state !== "object" || state === null) return state;
  try {
    return structuredClone(state);
  } catch {
    return state;
  }
};

const idOf = (spawn: SpawnRecord): string => spawn.id;

const waitingOf = (spawn: SpawnRecord): number =>
  spawn.inFlightCount + spawn.buffer.length + (spawn.pending === null ? 0 : 1);

const jobsOf = (spawn: SpawnRecord): SpawnJobs => ({
  submitted: spawn.submitted,
  succeeded: spawn.succeeded,
  errored: spawn.errored,
  waiting: waitingOf(spawn),
});

export const spawnInfoOf = (spawn: SpawnRecord): SpawnInfo => ({
  id: spawn.id,
  programId: spawn.programId,
  status: spawn.status,
  ...propsOf(spawn),
  inFlight: spawn.inFlightCount,
  waiting: waitingOf(spawn),
  // Copies, as getState gives: a caller changing them cannot change the kernel.
  state: copyOf(spawn.program.scope === "spawn" ? spawn.state : spawn.program.state),
  result: copyOf(latestResultOf(spawn)) as ResultRecord | undefined,
  results: spawn.results === undefined ? undefined : (copyOf(spawn.results) as ResultRecord[]),
  duration: spawn.updatedAt - spawn.startedAt,
  jobs: jobsOf(spawn),
});

export const createQueries = (machine: Machine): KernelQueries => {
  const program = (programId: string): ProgramRecord => {
    const record = machine.programs.get(programId);
    if (record === undefined) {
      throw new SchedkitError("unknown-program", `programId: no program ${show(programId)} is installed`, {
        field: "programId",
      });
    }
    return record;
  };
  const spawn = (programId: string, spawnId: string): SpawnRecord => {
    const record = program(programId).spawns.get(spawnId);
    if (record === undefined) {
      throw new SchedkitError("unknown-spawn", `spawnId: program ${show(programId)} has no spawn ${show(spawnId)}`, {
        field: "spawnId",
      });
    }
    return record;
  };
  const newestStopped = (record: ProgramRecord): SpawnRecord | undefined => record.history[record.history.length - 1];

  function getProps(programId: string): Record<string, SpawnProps>;
  function getProps(programId: string, spawnId: string): SpawnProps;
  function getProps(programId: string, spawnId?: string): SpawnProps | Record<string, SpawnProps> {
    if (spawnId !== undefined) return propsOf(spawn(programId, spawnId));
    const props: Record<string, SpawnProps> = {};
    for (const record of program(programId).running) setKey(props, record.id, propsOf(record));
    return props;
  }

  /** One program's running spawns by start time, or every program's (ties in creation order). */
  const runningInOrder = (programId: string | undefined, order: unknown): SpawnRecord[] => {
    if (order !== "asc" && order !== "desc") {
      throw new SchedkitError("invalid-command", `order: expected "asc" or "desc", got ${show(order)}`, {
        field: "order",
      });
    }
    if (programId === undefined) {
      // Every program's, by start time (ties in creation order), as the original's list-spawns of a runner.
      const all: SpawnRecord[] = [];
      for (const record of machine.programs.values()) all.push(...record.running);
      all.sort((a, b) => a.startedAt - b.startedAt || a.seq - b.seq);
      if (order === "desc") all.reverse();
      return all;
    }
    const running = program(programId).running;
    return [...(order === "desc" ? running.reversed() : running)];
  };

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
    listSpawns: (programId, order = "asc") => runningInOrder(programId, order).map(spawnInfoOf),
    listSpawnIds: (programId, order = "asc") => runningInOrder(programId, order).map(idOf),
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
      const programs: Record<string, ProgramInfo> = {};
      for (const record of machine.programs.values()) {
        const current: Record<string, ProgramInfo["current"][string]> = {};
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
