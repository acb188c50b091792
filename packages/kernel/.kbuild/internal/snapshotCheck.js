import { SchedkitError } from "../SchedkitError.js";
import { seqOfJobId } from "./jobTable.js";
import { MAX_TIME } from "./limits.js";
import { spawnFireId } from "./model.js";
import { decodeSpawnOptions } from "./programSchema.js";

/**
 * Consistency of a decoded snapshot: the schema checks each field's shape,
 * this checks that the fields agree with each other the way a kernel's state
 * always does. Anything else was tampered with (or corrupted), and restoring
 * it would give a kernel that breaks its own rules later (a spawn running
 * twice, a job id the kernel will issue again, a result that never arrives).
 * Each refusal is an `invalid-snapshot` error whose `field` is the path of
 * the offending value (`snapshot.programs[1].spawns[0].inFlight[2].startedAt`).
 */
/** Spawn options stored as data, and spawn options that are functions (passed back in `spawnOverrides`). */
const DATA_OVERRIDES = new Set([
  "interval",
  "delay",
  "misfire",
  "catchUpWindow",
  "overlap",
  "bufferLimit",
  "jitter",
  "maxRuns",
  "startAt",
  "endAt",
  "output",
  "meta",
]);
const FUNCTION_OVERRIDES = new Set([
  "interval",
  "meta",
  "timeFn",
  "argsFn",
  "createFn",
  "mergeFn",
  "successFn",
  "errorFn",
  "continueFn",
]);
/** Options a cron program's spawns cannot have: their times come from the expression. */
const NOT_FOR_CRON = ["interval", "delay", "timeFn"];
/**
 * Due times may lie past the range of times: a time plus an interval (each up
 * to MAX_TIME), shifted by wall-clock offsets. Such a job never comes due; a
 * due time beyond this bound is not one the kernel can make.
 */
const MAX_DUE = 4 * MAX_TIME;
const quote = JSON.stringify;
class Checker {
  snapshot;
  specs;
  /** Every live job (waiting or in flight, of spawns and triggers) by seq, with its path. */
  jobs = new Map();
  spawnSeqs = new Map();
  /** Settled jobs named by results, by seq, with the path of the spawn that has them. */
  settled = new Map();
  /** Who the values being checked belong to, for messages: ` (program "p", spawn "p-1")`. */
  where = "";
  constructor(snapshot, specs) {
    this.snapshot = snapshot;
    this.specs = specs;
  }
  fail(path, reason) {
    throw new SchedkitError("invalid-snapshot", `${path}: ${reason}${this.where}`, { field: path });
  }
  count(value, path) {
    if (!Number.isSafeInteger(value) || value < 0) this.fail(path, `expected a whole number >= 0, got ${value}`);
  }
  time(value, path) {
    if (!(Math.abs(value) <= MAX_TIME)) this.fail(path, `expected a time within ±${MAX_TIME} ms, got ${value}`);
  }
  due(value, path) {
    if (!(Math.abs(value) <= MAX_DUE)) this.fail(path, `expected a due time within ±${MAX_DUE} ms, got ${value}`);
  }
  /** A time that has come: in range and not after the kernel's `now`. */
  past(value, path) {
    this.time(value, path);
    if (value > this.snapshot.now) this.fail(path, `${value} is after the kernel's time (now is ${this.snapshot.now})`);
  }
  uint32(value, path, what) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      this.fail(path, `expected ${what} (0 to 4294967295), got ${value}`);
    }
  }
  /** The kernel's time, wall offset and history limit, as a snapshot and an export both carry them. */
  clock(root) {
    const s = this.snapshot;
    this.time(s.now, `${root}.now`);
    // The difference of two times in range (wall clock minus kernel time).
    if (!(Math.abs(s.wallOffset) <= 2 * MAX_TIME)) {
      this.fail(`${root}.wallOffset`, `expected ms within ±${2 * MAX_TIME}, got ${s.wallOffset}`);
    }
    this.count(s.historyLimit, `${root}.historyLimit`);
  }
  /** One program's part alone (an export, made to look like a snapshot of it), its paths under `root`. */
  checkPart(root) {
    this.clock(root);
    const [program] = this.snapshot.programs;
    if (program !== undefined) this.program(program, root);
    this.settledNotLive();
  }
  check() {
    const s = this.snapshot;
    this.clock("snapshot");
    this.count(s.regressions, "snapshot.regressions");
    this.count(s.jobSeq, "snapshot.jobSeq");
    this.count(s.spawnSeq, "snapshot.spawnSeq");
    this.count(s.catchUpLimit, "snapshot.catchUpLimit");
    if (s.catchUpLimit < 1) this.fail("snapshot.catchUpLimit", "expected a whole number >= 1, got 0");
    this.uint32(s.seed, "snapshot.seed", "a 32-bit seed");
    const policies = new Set();
    s.policies.forEach((name, index) => {
      if (name === "" || policies.has(name))
        this.fail(`snapshot.policies[${index}]`, `expected a unique policy name, got ${quote(name)}`);
      policies.add(name);
    });
    if (s.defaultPolicy === null && policies.size > 0) {
      this.fail("snapshot.defaultPolicy", "a kernel with policies has a default one (the first, unless named)");
    }
    if (s.defaultPolicy !== null && !policies.has(s.defaultPolicy)) {
      this.fail("snapshot.defaultPolicy", `${quote(s.defaultPolicy)} is not in snapshot.policies`);
    }
    const ids = new Set();
    s.programs.forEach((program, index) => {
      const path = `snapshot.programs[${index}]`;
      this.where = ` (program ${quote(program.id)})`;
      if (program.id === "" || ids.has(program.id))
        this.fail(`${path}.id`, `expected a unique program id, got ${quote(program.id)}`);
      ids.add(program.id);
      this.program(program, path);
    });
    this.settledNotLive();
  }
  settledNotLive() {
    for (const [seq, { path, where }] of this.settled) {
      this.where = where;
      const live = this.jobs.get(seq);
      if (live !== undefined) this.fail(path, `job "job-${seq}" has settled, but it is still live at ${live}`);
    }
  }
  interval(ref, type, path) {
    if (type === "cron") {
      if (ref !== 0) this.fail(path, `a cron program's times come from its expression; expected 0, got ${quote(ref)}`);
    } else if (typeof ref === "number" && !(ref > 0)) {
      this.fail(path, `expected a positive number of ms, got ${ref}`);
    }
  }
  /**
   * A waiting (`started` false), in-flight (true) or trigger (undefined) job; `fireId` is the one a
   * spawn's job must have (a trigger's is any non-empty string).
   */
  job(job, path, started, fireId) {
    const { jobSeq } = this.snapshot;
    if (job.seq < 1 || job.seq > jobSeq) {
      this.fail(`${path}.seq`, `${job.seq} is not the number of a job this kernel issued (1 to jobSeq, ${jobSeq})`);
    }
    if (job.id !== `job-${job.seq}`)
      this.fail(`${path}.id`, `job ${job.seq} is "job-${job.seq}", not ${quote(job.id)}`);
    const other = this.jobs.get(job.seq);
    if (other !== undefined) this.fail(`${path}.id`, `job "${job.id}" is also at ${other}`);
    this.jobs.set(job.seq, path);
    this.due(job.dueAt, `${path}.dueAt`);
    if (fireId !== undefined && job.fireId !== fireId) {
      this.fail(
        `${path}.fireId`,
        `a spawn's job due at ${job.dueAt} is fire ${quote(fireId)}, not ${quote(job.fireId)}`,
      );
    }
    if (job.fireId === "") this.fail(`${path}.fireId`, "expected a non-empty fire id");
    if (started === false && job.startedAt !== null) {
      this.fail(`${path}.startedAt`, `a waiting job has not started; expected null, got ${job.startedAt}`);
    }
    if (started === true && job.startedAt === null) {
      this.fail(`${path}.startedAt`, "a job in flight has started; expected its start time, got null");
    }
    if (job.startedAt !== null) {
      this.past(job.startedAt, `${path}.startedAt`);
      if (job.startedAt < job.dueAt) {
        this.fail(`${path}.startedAt`, `${job.startedAt} is before the job's due time (${job.dueAt})`);
      }
    }
  }
  result(result, path, spawnPath) {
    const seq = seqOfJobId(result.jobId);
    if (seq < 1 || seq > this.snapshot.jobSeq) {
      this.fail(`${path}.jobId`, `${quote(result.jobId)} is not a job this kernel issued`);
    }
    const other = this.settled.get(seq);
    if (other !== undefined && other.spawn !== spawnPath) {
      this.fail(`${path}.jobId`, `"${result.jobId}" is also a result of ${other.spawn}`);
    }
    this.settled.set(seq, { spawn: spawnPath, path: `${path}.jobId`, where: this.where });
    this.due(result.scheduledAt, `${path}.scheduledAt`);
    this.past(result.startedAt, `${path}.startedAt`);
    this.past(result.endedAt, `${path}.endedAt`);
    if (result.startedAt < result.scheduledAt) {
      this.fail(`${path}.startedAt`, `${result.startedAt} is before the job's due time (${result.scheduledAt})`);
    }
    if (result.endedAt < result.startedAt) {
      this.fail(`${path}.endedAt`, `${result.endedAt} is before the job started (${result.startedAt})`);
    }
    if (result.status === "succeeded" && result.error !== undefined) {
      this.fail(`${path}.error`, "a succeeded result has no error");
    }
    if (result.status === "errored" && result.value !== undefined) {
      this.fail(`${path}.value`, "an errored result has no value");
    }
  }
  program(program, path) {
    this.where = ` (program ${quote(program.id)})`;
    // First what the spec says: every other check reads the type and the scope.
    const spec = this.specs.get(program.id);
    const type = spec?.type ?? "basic";
    const scope = spec?.scope ?? "program";
    if (spec !== undefined && program.type !== type) {
      this.fail(`${path}.type`, `${quote(program.type)}, but the spec passed for the program has type ${quote(type)}`);
    }
    if (spec !== undefined && program.scope !== scope) {
      this.fail(
        `${path}.scope`,
        `${quote(program.scope)}, but the spec passed for the program has scope ${quote(scope)}`,
      );
    }
    this.interval(program.interval, program.type, `${path}.interval`);
    if (typeof program.interval !== "number" && program.interval.fn === "override") {
      this.fail(`${path}.interval`, 'a program has no overrides; expected a number, "spec" or "set-interval"');
    }
    const { counts } = program;
    for (const key of ["submitted", "succeeded", "errored"]) this.count(counts[key], `${path}.counts.${key}`);
    if (counts.succeeded + counts.errored > counts.submitted) {
      this.fail(
        `${path}.counts.submitted`,
        `${counts.submitted} jobs submitted, but ${counts.succeeded} succeeded and ${counts.errored} errored`,
      );
    }
    this.count(program.spawnCounter, `${path}.spawnCounter`);
    this.uint32(program.random, `${path}.random`, "the generator's 32-bit state");
    if (
      program.fresh &&
      (program.spawns.length > 0 || program.triggers.length > 0 || program.spawnCounter > 0 || counts.submitted > 0)
    ) {
      this.fail(`${path}.fresh`, "a program with spawns, triggers or submitted jobs is not fresh");
    }
    const spawns = new Map();
    const sums = { submitted: 0, succeeded: 0, errored: 0 };
    let previousSeq = 0;
    program.spawns.forEach((spawn, index) => {
      const spawnPath = `${path}.spawns[${index}]`;
      this.where = ` (program ${quote(program.id)}, spawn ${quote(spawn.id)})`;
      if (spawn.id === "" || spawns.has(spawn.id)) {
        this.fail(`${spawnPath}.id`, `expected a spawn id unique in its program, got ${quote(spawn.id)}`);
      }
      spawns.set(spawn.id, { spawn, path: spawnPath });
      const { spawnSeq } = this.snapshot;
      if (spawn.seq < 1 || spawn.seq > spawnSeq) {
        this.fail(`${spawnPath}.seq`, `${spawn.seq} is not the number of a spawn this kernel made (1 to ${spawnSeq})`);
      }
      const other = this.spawnSeqs.get(spawn.seq);
      if (other !== undefined) this.fail(`${spawnPath}.seq`, `spawn number ${spawn.seq} is also ${other}`);
      this.spawnSeqs.set(spawn.seq, spawnPath);
      if (spawn.seq < previousSeq) {
        this.fail(
          `${spawnPath}.seq`,
          `a program's spawns are in the order they were made; ${spawn.seq} follows ${previousSeq}`,
        );
      }
      previousSeq = spawn.seq;
      this.spawn(program, spawn, spawnPath);
      sums.submitted += spawn.submitted;
      sums.succeeded += spawn.succeeded;
      sums.errored += spawn.errored;
    });
    this.where = ` (program ${quote(program.id)})`;
    for (const key of ["submitted", "succeeded", "errored"]) {
      if (counts[key] < sums[key]) {
        this.fail(
          `${path}.counts.${key}`,
          `the program's counts cover every spawn it has had, but its spawns listed here alone have ${key} ${sums[key]} (counts say ${counts[key]})`,
        );
      }
    }
    const listed = (list) => {
      const seen = new Set();
      program[list].forEach((id, index) => {
        const where = `${path}.${list}[${index}]`;
        const entry = spawns.get(id);
        if (entry === undefined) this.fail(where, `${quote(id)} is not one of the program's spawns`);
        if (seen.has(id)) this.fail(where, `spawn ${quote(id)} is listed twice`);
        seen.add(id);
        const { status, inHistory } = entry.spawn;
        const live = status === "created" || status === "running";
        if (list === "running" && !live)
          this.fail(where, `spawn ${quote(id)} is ${status}, not running (${entry.path})`);
        if (list === "history" && (live || !inHistory)) {
          this.fail(where, `spawn ${quote(id)} is ${status}${inHistory ? "" : " and not inHistory"} (${entry.path})`);
        }
      });
      return seen;
    };
    const running = listed("running");
    const history = listed("history");
    let previous = 0;
    program.running.forEach((id, index) => {
      const seq = spawns.get(id)?.spawn.seq ?? 0;
      if (seq < previous) this.fail(`${path}.running[${index}]`, "running spawns are listed oldest first");
      previous = seq;
    });
    if (program.history.length > this.snapshot.historyLimit) {
      this.fail(
        `${path}.history`,
        `${program.history.length} stopped spawns kept, more than historyLimit (${this.snapshot.historyLimit})`,
      );
    }
    for (const [id, { spawn }] of spawns) {
      if ((spawn.status === "created" || spawn.status === "running") && !running.has(id)) {
        this.fail(`${path}.running`, `spawn ${quote(id)} is ${spawn.status} but not listed`);
      }
      if (spawn.inHistory && !history.has(id))
        this.fail(`${path}.history`, `spawn ${quote(id)} is inHistory but not listed`);
    }
    let previousTrigger = 0;
    program.triggers.forEach((job, index) => {
      const jobPath = `${path}.triggers[${index}]`;
      this.job(job, jobPath, undefined);
      // A backfill's runs join the triggers in turn (numbered when the backfill started): only the others are in order.
      if (job.backfill === true) return;
      if (job.seq < previousTrigger) this.fail(`${jobPath}.seq`, "triggers are listed in the order they were made");
      previousTrigger = job.seq;
    });
    program.backfill?.queue.forEach((job, index) => {
      const jobPath = `${path}.backfill.queue[${index}]`;
      this.job(job, jobPath, false, `${program.id}/backfill/${job.dueAt}`);
      if (job.backfill !== true) this.fail(`${jobPath}.backfill`, "a backfill's run is marked backfill: true");
    });
  }
  spawn(program, spawn, path) {
    const { status } = spawn;
    const live = status === "created" || status === "running";
    this.past(spawn.startedAt, `${path}.startedAt`);
    this.past(spawn.updatedAt, `${path}.updatedAt`);
    if (spawn.updatedAt < spawn.startedAt) {
      this.fail(`${path}.updatedAt`, `${spawn.updatedAt} is before the spawn started (${spawn.startedAt})`);
    }
    this.interval(spawn.interval, program.type, `${path}.interval`);
    if (!(spawn.lastInterval >= 0)) this.fail(`${path}.lastInterval`, `expected ms >= 0, got ${spawn.lastInterval}`);
    for (const key of ["submitted", "succeeded", "errored", "lost", "missed"]) this.count(spawn[key], `${path}.${key}`);
    if (program.scope === "program" && spawn.state !== undefined) {
      this.fail(`${path}.state`, 'the program has scope "program": its spawns keep no state of their own');
    }
    // A fault (a failing interval, cron or continueFn) keeps its error without an errored job, and stops the spawn.
    if (spawn.lastError !== undefined && spawn.errored === 0 && live) {
      this.fail(`${path}.lastError`, `a ${status} spawn with no errored job has no last error`);
    }
    // Status, stop reason and the stopped history agree.
    if (live !== (spawn.stopReason === null)) {
      this.fail(
        `${path}.stopReason`,
        live ? `a ${status} spawn has not been stopped; expected null` : `a ${status} spawn has a stop reason`,
      );
    }
    if (live && spawn.inHistory) this.fail(`${path}.inHistory`, `a ${status} spawn is not in the stopped history`);
    if (status === "stopped" && !spawn.inHistory) {
      this.fail(`${path}.inHistory`, "a stopped spawn out of the history is forgotten; expected true");
    }
    // Its jobs: the waiting one has not started, those in flight have, and the status agrees.
    const completed = spawn.succeeded + spawn.errored;
    /** Jobs that ended: completed, or lost (a lost job leaves no result). */
    const ended = completed + spawn.lost;
    const fireOf = (job) => spawnFireId(program.id, spawn.id, job.dueAt);
    if (spawn.pending !== null) {
      this.job(spawn.pending, `${path}.pending`, false, fireOf(spawn.pending));
      if (!live) this.fail(`${path}.pending`, `a ${status} spawn has no waiting job (stopping cancels it)`);
    } else if (live && (program.type !== "basic" || spawn.inFlight.length === 0)) {
      this.fail(`${path}.pending`, `a ${status} ${program.type} spawn has its next job waiting; got null`);
    }
    let newest = 0;
    spawn.inFlight.forEach((job, index) => {
      const jobPath = `${path}.inFlight[${index}]`;
      this.job(job, jobPath, true, fireOf(job));
      if ((job.startedAt ?? 0) < spawn.startedAt) {
        this.fail(`${jobPath}.startedAt`, `${job.startedAt} is before the spawn started (${spawn.startedAt})`);
      }
      newest = Math.max(newest, job.seq);
    });
    const buffer = spawn.buffer ?? [];
    buffer.forEach((job, index) => {
      const jobPath = `${path}.buffer[${index}]`;
      this.job(job, jobPath, false, fireOf(job));
      if (job.dueAt > this.snapshot.now)
        this.fail(`${jobPath}.dueAt`, `a buffered run came due; ${job.dueAt} is after now`);
    });
    if (!live && buffer.length > 0)
      this.fail(`${path}.buffer`, `a ${status} spawn has no buffered runs (stopping cancels them)`);
    if (spawn.parked === true && (spawn.pending === null || !live)) {
      this.fail(`${path}.parked`, "only a running spawn's waiting job is parked");
    }
    if (spawn.parked === true && spawn.paused === undefined && program.paused === undefined) {
      this.fail(`${path}.parked`, "a waiting job is parked only while its spawn or program is paused");
    }
    if (spawn.pending !== null && spawn.pending.seq < newest) {
      this.fail(
        `${path}.pending.seq`,
        `the waiting job is scheduled after the jobs in flight; ${spawn.pending.seq} < ${newest}`,
      );
    }
    if (program.type === "basic" && spawn.pending !== null && spawn.inFlight.length > 0) {
      this.fail(
        `${path}.pending`,
        "a basic spawn schedules its next job when the one in flight completes; expected null",
      );
    }
    if (program.type === "basic" && spawn.inFlight.length > 1) {
      this.fail(`${path}.inFlight`, `a basic spawn runs one job at a time; got ${spawn.inFlight.length}`);
    }
    if (status === "created" && (spawn.inFlight.length > 0 || ended > 0)) {
      this.fail(`${path}.status`, 'a spawn that has started a job is "running", not "created"');
    }
    // A run cancelled by `overlap: "cancel-other"` neither ended nor is in flight: `runs` tells.
    if (status === "running" && spawn.inFlight.length === 0 && ended === 0 && (spawn.runs ?? 0) === 0) {
      this.fail(`${path}.status`, 'a spawn that has started no job is "created", not "running"');
    }
    if (status === "terminating" && spawn.inFlight.length === 0) {
      this.fail(`${path}.inFlight`, "a terminating spawn is finishing jobs in flight; got none");
    }
    if (status === "stopped" && spawn.inFlight.length > 0) {
      this.fail(`${path}.inFlight`, "a stopped spawn has no job in flight");
    }
    const waiting = spawn.inFlight.length + buffer.length + (spawn.pending === null ? 0 : 1);
    if (ended + waiting > spawn.submitted) {
      this.fail(
        `${path}.submitted`,
        `${spawn.submitted} jobs submitted, but ${completed} completed, ${spawn.lost} lost and ${waiting} waiting or in flight`,
      );
    }
    // Its results: the latest one is the last to complete, and `results` keeps the newest ones.
    const output = spawn.overrides?.data.output ?? this.specs.get(program.id)?.output ?? "latest";
    if ((spawn.results === null) !== (output !== "all")) {
      this.fail(
        `${path}.results`,
        output === "all"
          ? 'the spawn keeps all its results (output "all"); got null'
          : `the spawn keeps only its latest result (output ${quote(output)}); expected null`,
      );
    }
    const latest = spawn.latestResult;
    if ((latest === null) !== (completed === 0)) {
      this.fail(
        `${path}.latestResult`,
        latest === null ? `${completed} jobs completed, but there is no latest result` : "no job completed yet",
      );
    }
    if (latest !== null) {
      this.result(latest, `${path}.latestResult`, path);
      if (spawn[latest.status] === 0) this.fail(`${path}.latestResult.status`, `but ${latest.status} is 0`);
    }
    const updatedAt = latest === null ? spawn.startedAt : latest.endedAt;
    if (spawn.updatedAt !== updatedAt) {
      this.fail(
        `${path}.updatedAt`,
        latest === null
          ? `no job completed yet, so it is the start time (${updatedAt}); got ${spawn.updatedAt}`
          : `the latest result ended at ${updatedAt}; got ${spawn.updatedAt}`,
      );
    }
    if (spawn.results !== null) {
      const kept = Math.min(completed, this.snapshot.historyLimit);
      if (spawn.results.length !== kept) {
        this.fail(
          `${path}.results`,
          `${completed} jobs completed, so the newest ${kept} are kept; got ${spawn.results.length}`,
        );
      }
      const jobIds = new Set();
      spawn.results.forEach((result, index) => {
        const resultPath = `${path}.results[${index}]`;
        if (jobIds.has(result.jobId)) this.fail(`${resultPath}.jobId`, `${quote(result.jobId)} is listed twice`);
        jobIds.add(result.jobId);
        this.result(result, resultPath, path);
      });
      const last = spawn.results.at(-1);
      if (last !== undefined && latest !== null && last.jobId !== latest.jobId) {
        this.fail(
          `${path}.results[${spawn.results.length - 1}].jobId`,
          `the newest result is the latest one, ${quote(latest.jobId)}`,
        );
      }
    }
    // Its overrides: spawn options, data apart from functions, none that its program type refuses.
    const { overrides } = spawn;
    const functions = new Set(overrides?.functions ?? []);
    if (overrides !== null) {
      for (const [key, value] of Object.entries(overrides.data)) {
        if (!DATA_OVERRIDES.has(key)) this.fail(`${path}.overrides.data.${key}`, "not a spawn option stored as data");
        if (typeof value === "function") this.fail(`${path}.overrides.data.${key}`, "a function is not data");
      }
      const decoded = decodeSpawnOptions(overrides.data);
      if (!decoded.ok) {
        const field = `${path}.overrides.data${decoded.field.slice("opts".length)}`;
        this.fail(field, decoded.message.slice(decoded.field.length + 2));
      }
      overrides.functions.forEach((name, index) => {
        const where = `${path}.overrides.functions[${index}]`;
        if (!FUNCTION_OVERRIDES.has(name)) this.fail(where, `${quote(name)} is not a spawn option that is a function`);
        if (name in overrides.data) this.fail(where, `${quote(name)} is also in overrides.data`);
        if (overrides.functions.indexOf(name) !== index) this.fail(where, `${quote(name)} is listed twice`);
      });
      if (program.type === "cron") {
        for (const key of NOT_FOR_CRON) {
          if (key in overrides.data || functions.has(key)) {
            this.fail(`${path}.overrides`, `a cron program's spawn has no ${key} (its times come from the expression)`);
          }
        }
      }
    }
    if (typeof spawn.interval !== "number" && spawn.interval.fn === "override" && !functions.has("interval")) {
      this.fail(`${path}.interval`, "the interval is an override function, but overrides.functions has no interval");
    }
  }
}
/**
 * Refuses (`invalid-snapshot`, naming the path) a snapshot whose parts
 * disagree, or that the specs passed for its programs (by id) could not have
 * made (another type or scope, results kept or not against `output`).
 */
export const checkSnapshot = (snapshot, specs) => new Checker(snapshot, specs).check();
/**
 * The same checks for one program's part alone: `snapshot` holds only it (an export made to look
 * like a snapshot), and the refusals name paths under `root` (`command.export.spawns[0].pending`).
 */
export const checkProgramPart = (snapshot, spec, root) => {
  const [program] = snapshot.programs;
  new Checker(snapshot, new Map(program === undefined ? [] : [[program.id, spec]])).checkPart(root);
};
