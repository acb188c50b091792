import * as Schema from "effect/Schema";
import { SchedkitError } from "../SchedkitError.js";
import type { Machine } from "./machine.js";
import { dueTimeOf, fireIdOf, type JobRecord, type ProgramRecord } from "./model.js";
import {
  CountsSchema,
  IntervalRefSchema,
  intervalRef,
  OverlapSchema,
  PauseSchema,
  pauseData,
  present,
  programField,
  spawnData,
  spawnFields,
  toJsonData,
  UserData,
} from "./snapshotData.js";
import type { JobExport, JobSnapshot, KernelSnapshot, ProgramExport, ProgramSnapshot } from "./snapshotTypes.js";
import { type Decoded, decodeWith } from "./validate.js";

// One program's whole state as JSON data (`kernel.exportProgram`), and its schema, which the
// `adopt` command decodes an export with.

const JobExportSchema = Schema.Struct({
  seq: Schema.Int,
  fireId: Schema.String,
  dueAt: Schema.Finite,
  jitterUntil: Schema.optionalKey(Schema.Finite),
  backfill: Schema.optionalKey(Schema.Literal(true)),
  startedAt: Schema.NullOr(Schema.Finite),
  args: UserData,
});

const SpawnExportSchema = Schema.Struct({
  ...spawnFields,
  pending: Schema.NullOr(JobExportSchema),
  inFlight: Schema.Array(JobExportSchema),
  buffer: Schema.optionalKey(Schema.Array(JobExportSchema)),
});

/** The shape of `ProgramExport` (see `snapshotTypes.ts`), checked by `adopt`. */
export const ProgramExportSchema = Schema.Struct({
  version: Schema.Literal(1),
  id: Schema.String,
  type: Schema.Literals(["basic", "constant", "cron"]),
  scope: Schema.Literals(["program", "spawn"]),
  now: Schema.Finite,
  wallOffset: Schema.Finite,
  historyLimit: Schema.Int,
  random: Schema.Int,
  interval: IntervalRefSchema,
  specInterval: Schema.optionalKey(Schema.Finite),
  state: UserData,
  counts: CountsSchema,
  spawnCounter: Schema.Int,
  paused: Schema.optionalKey(PauseSchema),
  backfill: Schema.optionalKey(Schema.Struct({ overlap: OverlapSchema, queue: Schema.Array(JobExportSchema) })),
  spawns: Schema.Array(SpawnExportSchema),
  running: Schema.Array(Schema.String),
  history: Schema.Array(Schema.String),
  triggers: Schema.Array(JobExportSchema),
});

// The schema decodes to exactly the hand-written type (a compile error here if they drift apart).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const decodesToProgramExport: Same<typeof ProgramExportSchema.Type, ProgramExport> = true;
void decodesToProgramExport;

/** An export's shape, from plain data: `command.export.spawns[0].pending.dueAt` names what is wrong. */
export const decodeProgramExport: (input: unknown) => Decoded<ProgramExport> = decodeWith(
  ProgramExportSchema,
  "command.export",
);

const jobExport = (job: JobRecord, field: () => string): JobExport => {
  const started = !Number.isNaN(job.startedAt);
  return {
    seq: job.seq,
    fireId: fireIdOf(job),
    dueAt: dueTimeOf(job),
    ...(job.heldFrom === undefined ? {} : { jitterUntil: job.dueAt }),
    ...(job.backfill ? { backfill: true as const } : {}),
    startedAt: started ? job.startedAt : null,
    ...(started
      ? present(
          "args",
          toJsonData(job.args, () => `${field()}.args`),
        )
      : {}),
  };
};

const programExport = (machine: Machine, program: ProgramRecord): ProgramExport => {
  const field = programField(program.id);
  return {
    version: 1,
    id: program.id,
    type: program.config.type,
    scope: program.scope,
    now: machine.now,
    wallOffset: machine.wallOffset,
    historyLimit: machine.historyLimit,
    random: program.random.state,
    interval: intervalRef(program.interval, program.spec.interval, undefined),
    ...(typeof program.spec.interval === "number" ? { specInterval: program.spec.interval } : {}),
    ...present("state", toJsonData(program.state, `${field}.state`)),
    counts: { ...program.counts },
    spawnCounter: program.spawnCounter,
    ...(program.paused === null ? {} : { paused: pauseData(program.paused) }),
    ...(program.backfill === null
      ? {}
      : {
          backfill: {
            overlap: program.backfill.overlap,
            queue: program.backfill.queue.map((job, index) =>
              jobExport(job, () => `${field}.backfill.queue[${index}]`),
            ),
          },
        }),
    spawns: [...program.spawns.values()].map((spawn) => spawnData(spawn, jobExport)),
    running: [...program.running].map((spawn) => spawn.id),
    history: program.history.map((spawn) => spawn.id),
    triggers: [...program.triggers].map((job, index) => jobExport(job, () => `${field}.triggers[${index}]`)),
  };
};

/**
 * `kernel.exportProgram(programId)`: the program's state as JSON data, or `undefined` when no
 * such program is installed. Throws `invalid-snapshot` as `snapshot()` does: from inside a hook,
 * or for state, results, errors or a job's args that are not JSON data (naming the part).
 */
export const exportProgram = (machine: Machine, programId: unknown): ProgramExport | undefined => {
  if (typeof programId !== "string") return undefined;
  const program = machine.programs.get(programId);
  if (program === undefined) return undefined;
  if (machine.isDispatching) {
    throw new SchedkitError(
      "invalid-snapshot",
      "exportProgram: called from inside a hook while this kernel is applying a command; call it after the dispatch",
      { field: "exportProgram" },
    );
  }
  return programExport(machine, program);
};

const asJob = (job: JobExport): JobSnapshot => ({
  id: `job-${job.seq}`,
  seq: job.seq,
  fireId: job.fireId,
  dueAt: job.dueAt,
  ...(job.jitterUntil === undefined ? {} : { jitterUntil: job.jitterUntil }),
  ...(job.backfill === undefined ? {} : { backfill: job.backfill }),
  startedAt: job.startedAt,
});

/**
 * A decoded export made to look like a snapshot of a kernel holding only it, for the snapshot's
 * consistency checks (`checkProgramPart`). Its job numbers are the exporting kernel's, so the
 * checks on them hold as they did there.
 */
export const asSnapshot = (data: ProgramExport): KernelSnapshot => {
  let jobSeq = 0;
  let spawnSeq = 0;
  const see = (job: JobExport): JobSnapshot => {
    jobSeq = Math.max(jobSeq, job.seq);
    return asJob(job);
  };
  const spawns = data.spawns.map((spawn) => {
    spawnSeq = Math.max(spawnSeq, spawn.seq);
    for (const result of [...(spawn.results ?? []), ...(spawn.latestResult === null ? [] : [spawn.latestResult])]) {
      const seq = Number(result.jobId.slice(4));
      if (Number.isSafeInteger(seq)) jobSeq = Math.max(jobSeq, seq);
    }
    const { buffer, ...rest } = spawn;
    return {
      ...rest,
      pending: spawn.pending === null ? null : see(spawn.pending),
      inFlight: spawn.inFlight.map(see),
      ...(buffer === undefined ? {} : { buffer: buffer.map(see) }),
    };
  });
  const program: ProgramSnapshot = {
    id: data.id,
    type: data.type,
    scope: data.scope,
    interval: data.interval,
    ...present("state", data.state),
    counts: data.counts,
    spawnCounter: data.spawnCounter,
    random: data.random,
    fresh: false,
    ...(data.paused === undefined ? {} : { paused: data.paused }),
    spawns,
    running: data.running,
    history: data.history,
    triggers: data.triggers.map(see),
    ...(data.backfill === undefined
      ? {}
      : { backfill: { overlap: data.backfill.overlap, queue: data.backfill.queue.map(see) } }),
  };
  return {
    version: 3,
    now: data.now,
    regressions: 0,
    wallOffset: data.wallOffset,
    jobSeq,
    spawnSeq,
    seed: 0,
    historyLimit: data.historyLimit,
    catchUpLimit: 1,
    policies: [],
    defaultPolicy: null,
    programs: [program],
  };
};
