import type { Command } from "../Command.js";
import type { AdoptedJob } from "../KernelEffect.js";
import type { ResultRecord, SpawnOptions } from "../Program.js";
import { isSchedkitError, type SchedkitErrorCode } from "../SchedkitError.js";
import { describe, show } from "./describe.js";
import { latestResultOf, setLatestRecord } from "./latestResult.js";
import { endMarkerOf } from "./lifespan.js";
import { WALL_STEP_TOLERANCE } from "./limits.js";
import type { Machine } from "./machine.js";
import { fireIdOf, jobIdOf, type ProgramRecord } from "./model.js";
import { asSnapshot, decodeProgramExport } from "./programExport.js";
import { spawnOptionKeys } from "./programSchema.js";
import { copyFields } from "./readOnce.js";
import { type Rebuilt, rebuildProgram } from "./rebuild.js";
import { checkProgramPart } from "./snapshotCheck.js";
import { toJsonData } from "./snapshotData.js";
import type { ProgramExport } from "./snapshotTypes.js";

// The `adopt` command: a program exported from one kernel (`exportProgram`) takes over the
// state of the same program, freshly installed in this one. Everything that can fail is
// decided before anything changes; then the records are put in place with new job ids.

export type AdoptPlan =
  | { readonly ok: true; readonly apply: () => void }
  | { readonly ok: false; readonly code: SchedkitErrorCode; readonly field: string; readonly message: string };

type AdoptCommand = Extract<Command, { type: "adopt" }>;

const refuse = (code: SchedkitErrorCode, field: string, message: string): AdoptPlan => ({
  ok: false,
  code,
  field,
  message: `${field}: ${message}`,
});

/** A refusal from a thrown `SchedkitError` (a check that throws, as restoreKernel's do). */
const refusal = (error: unknown, code: SchedkitErrorCode, field: string): AdoptPlan => {
  if (isSchedkitError(error))
    return { ok: false, code: error.code, field: error.field ?? field, message: error.message };
  return refuse(code, field, describe(error));
};

const own = <T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

/** Why a program is not fresh (it did something since install), or undefined. */
const notFresh = (program: ProgramRecord): string | undefined => {
  if (program.running.size > 0) return "it has running spawns";
  if (program.triggers.size > 0) return "it has triggers waiting or in flight";
  if (!program.fresh) return "it was spawned, triggered, paused, backfilled or adopted into since it was installed";
  return undefined;
};

/**
 * The function-valued overrides the export's spawns need, each spawn's options read once into a
 * copy (a getter or a Proxy is a rejection, never an exception).
 */
const readOverrides = (
  data: ProgramExport,
  given: Readonly<Record<string, unknown>> | undefined,
): { ok: true; value: Record<string, SpawnOptions> } | { ok: false; plan: AdoptPlan } => {
  const value: Record<string, SpawnOptions> = {};
  for (const spawn of data.spawns) {
    if (spawn.overrides === null || spawn.overrides.functions.length === 0) continue;
    const options = own(given, spawn.id);
    if (options === undefined) continue; // rebuildProgram names the first missing function
    const copied = copyFields(options, `command.spawnOverrides.${spawn.id}`, spawnOptionKeys);
    if (!copied.ok)
      return {
        ok: false,
        plan: refuse("invalid-options", copied.field, copied.message.slice(copied.field.length + 2)),
      };
    Object.defineProperty(value, spawn.id, { value: copied.value, enumerable: true });
  }
  return { ok: true, value };
};

/** Keeps what this kernel's `historyLimit` keeps: the newest stopped spawns, the newest results. */
const trimToLimit = (program: ProgramRecord, limit: number): void => {
  while (program.history.length > limit) {
    const dropped = program.history.shift();
    if (dropped === undefined) break;
    dropped.inHistory = false;
    if (dropped.status === "stopped") program.spawns.delete(dropped.id);
  }
  for (const spawn of program.spawns.values()) {
    if (spawn.results !== undefined && spawn.results.length > limit) {
      spawn.results.splice(0, spawn.results.length - limit);
    }
  }
};

/**
 * An export adopted into a spec whose interval differs from the exporting spec's (an upgrade):
 * the program and every spawn that ran at the old spec's interval run at the new one. An
 * interval of a spawn's own (a spawn option) or one set to another value stays.
 */
const followSpecInterval = (data: ProgramExport, installed: ProgramRecord): ProgramExport => {
  const old = data.specInterval;
  const next = installed.spec.interval;
  if (old === undefined || next === undefined || next === old) return data;
  const ref = typeof next === "number" ? next : ({ fn: "spec" } as const);
  const follows = (interval: ProgramExport["interval"]) => interval === old;
  return {
    ...data,
    interval: follows(data.interval) ? ref : data.interval,
    spawns: data.spawns.map((spawn) => {
      const own =
        spawn.overrides !== null &&
        (spawn.overrides.data.interval !== undefined || spawn.overrides.functions.includes("interval"));
      return !own && follows(spawn.interval) ? { ...spawn, interval: ref } : spawn;
    }),
  };
};

/** Checks an `adopt` command against the kernel as it is; the plan applies it. */
export const prepareAdopt = (machine: Machine, command: AdoptCommand): AdoptPlan => {
  let input: unknown;
  try {
    input = toJsonData(command.export, "command.export");
  } catch (error) {
    return refusal(error, "invalid-snapshot", "command.export");
  }
  const decoded = decodeProgramExport(input);
  if (!decoded.ok) return { ok: false, code: "invalid-snapshot", field: decoded.field, message: decoded.message };
  const data = decoded.value;
  const installed = machine.programs.get(data.id);
  if (installed === undefined) {
    return refuse(
      "unknown-program",
      "command.export.id",
      `no program ${show(data.id)} is installed; install it (the same spec) before it adopts its export`,
    );
  }
  const why = notFresh(installed);
  if (why !== undefined) {
    return refuse(
      "restore-mismatch",
      "command.export.id",
      `program ${show(data.id)} cannot adopt an export: ${why}; adopt into a program just installed`,
    );
  }
  for (const key of ["type", "scope"] as const) {
    const here = key === "type" ? installed.config.type : installed.scope;
    if (data[key] !== here) {
      return refuse(
        "restore-mismatch",
        `command.export.${key}`,
        `the export's program has ${key} ${show(data[key])}, the installed one ${show(here)}`,
      );
    }
  }
  try {
    checkProgramPart(asSnapshot(data), installed.spec, "command.export");
  } catch (error) {
    return refusal(error, "invalid-snapshot", "command.export");
  }
  // A smaller limit is trimmed to; a larger one cannot be filled: results kept with output "all" would be too few.
  const short = data.spawns.find(
    (spawn) =>
      spawn.results !== null && spawn.results.length < Math.min(spawn.succeeded + spawn.errored, machine.historyLimit),
  );
  if (short !== undefined) {
    return refuse(
      "restore-mismatch",
      "command.export.historyLimit",
      `the export kept results up to historyLimit ${data.historyLimit}, this kernel keeps ${machine.historyLimit}: spawn ${show(short.id)} (output "all") would have fewer than it keeps; adopt with a kernel whose historyLimit is at most ${data.historyLimit}`,
    );
  }
  const overrides = readOverrides(data, command.spawnOverrides as Readonly<Record<string, unknown>> | undefined);
  if (!overrides.ok) return overrides.plan;
  let rebuilt: Rebuilt;
  try {
    rebuilt = rebuildProgram(installed, followSpecInterval(data, installed), overrides.value, {
      programInterval: "command.export.interval",
      spawnInterval: (spawnId) => `command.export.spawns.${spawnId}.interval`,
      override: (spawnId, name) => `command.spawnOverrides.${spawnId}.${name}`,
    });
  } catch (error) {
    return refusal(error, "restore-mismatch", "command.export");
  }
  return { ok: true, apply: () => adopt(machine, data, rebuilt) };
};

const adopt = (machine: Machine, data: ProgramExport, { program, jobs }: Rebuilt): void => {
  // Its jobs' times must not lie ahead of this kernel's: time arrives at the export's, if later.
  if (data.now > machine.now) machine.arrive(data.now, undefined);
  trimToLimit(program, machine.historyLimit);
  // New numbers, in the exporting kernel's order: finished jobs (results) first, then live ones.
  const renamed = new Map<string, string>();
  const rename = (result: ResultRecord | undefined): ResultRecord | undefined => {
    if (result === undefined) return undefined;
    const jobId = renamed.get(result.jobId) as string;
    return { ...result, jobId };
  };
  const finished = new Set<string>();
  for (const spawn of program.spawns.values()) {
    const latest = latestResultOf(spawn);
    if (latest !== undefined) finished.add(latest.jobId);
    for (const result of spawn.results ?? []) finished.add(result.jobId);
  }
  const bySeq = (a: string, b: string) => Number(a.slice(4)) - Number(b.slice(4));
  for (const jobId of [...finished].sort(bySeq)) renamed.set(jobId, `job-${++machine.jobSeq}`);
  for (const spawn of program.spawns.values()) {
    (spawn as { seq: number }).seq = ++machine.spawnSeq;
    // The `endAt` marker's number follows its spawn's new one.
    if (spawn.endMarker !== null && spawn.config.endAt !== undefined) {
      spawn.endMarker = endMarkerOf(spawn, spawn.config.endAt);
      machine.heap.push(spawn.endMarker);
    }
    setLatestRecord(spawn, rename(latestResultOf(spawn)));
    if (spawn.results !== undefined) spawn.results = spawn.results.map((result) => rename(result) as ResultRecord);
  }
  // Waiting cron jobs keep their wall-clock time on this kernel's wall clock.
  const shift = data.wallOffset - machine.wallOffset;
  const reaim = program.cron !== undefined && Math.abs(shift) > WALL_STEP_TOLERANCE;
  const adopted: AdoptedJob[] = [];
  const saved = jobs.flatMap((job) => (job.saved === undefined ? [] : [{ ...job, seq: job.saved.seq }]));
  for (const { record, place } of saved.sort((a, b) => a.seq - b.seq)) {
    (record as { seq: number }).seq = ++machine.jobSeq;
    record.id = "";
    if (place !== "inFlight") {
      // A buffered run's due time is final (its fire id is made); a waiting or parked job's is aimed again.
      const buffered = record.spawn?.buffer.includes(record);
      if (reaim && record.spawn !== null && !buffered) {
        record.dueAt = record.dueAt + shift;
        if (record.heldFrom !== undefined) record.heldFrom = record.heldFrom + shift;
      }
      if (place === "heap") machine.heap.push(record);
      continue;
    }
    machine.inFlight.add(record);
    adopted.push({
      jobId: jobIdOf(record),
      fireId: fireIdOf(record),
      spawnId: record.spawn?.id ?? null,
      scheduledAt: record.dueAt,
      startedAt: record.startedAt,
      args: record.args,
    });
  }
  machine.programs.set(program.id, program);
  machine.emit({ type: "adopted", programId: program.id, jobs: adopted });
};
