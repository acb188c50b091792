/**
 * `createRunner`: the runner's public face, each method's arguments checked and turned into the
 * kernel's commands (the contract is in `api.ts`, the machinery in `runnerImpl.ts`).
 */
import type { CommandBody } from "../Command.js";
import { nextRunsOf, validateProgramOf } from "../internal/preview.js";
import { createQueries } from "../internal/queries.js";
import { nextRunsArgs } from "../Kernel.js";
import type { KernelEffect } from "../KernelEffect.js";
import type { Interval, ProgramSpec, SpawnOptions } from "../Program.js";
import type { PauseOptions, ProgramHandle, Runner } from "./api.js";
import { checkedQueries } from "./arguments.js";
import { optionsErrorOf, type RunnerOptions, readRunnerOptions } from "./options.js";
import { RunnerImpl } from "./runnerImpl.js";
import { firstEffect } from "./steps.js";

export type { BackfillRange, EffectListener, PauseOptions, ProgramHandle, Runner } from "./api.js";
export type { RunnerOptions, StopOptions } from "./options.js";

/** `pause`'s two forms, `(programId, spawnId?, opts?)` and `(programId, opts)`, as one. */
export const pauseArgs = (
  spawnOrOpts: string | PauseOptions | undefined,
  options: PauseOptions | undefined,
): { spawnId: string | undefined; note: string | undefined } => {
  if (typeof spawnOrOpts === "object" && spawnOrOpts !== null) return { spawnId: undefined, note: spawnOrOpts.note };
  return { spawnId: spawnOrOpts, note: options?.note };
};

const spawnIdOf = (effects: readonly KernelEffect[], type: "spawned" | "unspawned"): string | undefined =>
  firstEffect(effects, type)?.spawnId;

/**
 * Creates a runner: the kernel under a clock, running jobs for real. Call
 * `start()` to begin. Bad options throw a `SchedkitError` (`invalid-options`,
 * `invalid-clock`, or the kernel's codes) naming the field.
 *
 * @example
 * const runner = createRunner({ id: "system-runner", policies: [lifo()] });
 * runner.install({ id: "cleanup", interval: 60_000, mainFn: () => ({ count: 1 }) });
 * runner.spawn("cleanup");
 * runner.start();
 *
 * @since 0.1.0
 */
export const createRunner = (options?: RunnerOptions): Runner => {
  let impl: RunnerImpl;
  try {
    impl = new RunnerImpl(readRunnerOptions(options));
  } catch (error) {
    throw optionsErrorOf(error);
  }
  const run = (command: CommandBody) => {
    impl.command(command, () => undefined);
  };
  function setInterval(programId: string, interval: Interval): void;
  function setInterval(programId: string, spawnId: string, interval: Interval): void;
  function setInterval(programId: string, spawnOrInterval: string | Interval, maybeInterval?: Interval): void {
    if (typeof spawnOrInterval === "string") {
      run({ type: "set-interval", programId, spawnId: spawnOrInterval, interval: maybeInterval as Interval });
    } else {
      run({ type: "set-interval", programId, interval: spawnOrInterval });
    }
  }
  const queries = createQueries(impl.machine);
  const checked = checkedQueries(queries);
  const spawn = (programId: string, opts?: SpawnOptions): string | undefined =>
    impl.command(opts === undefined ? { type: "spawn", programId } : { type: "spawn", programId, opts }, (effects) =>
      spawnIdOf(effects, "spawned"),
    );
  const unspawn = (programId: string): string | undefined =>
    impl.command({ type: "unspawn", programId }, (effects) => spawnIdOf(effects, "unspawned"));
  const install = <State, Args, Value, Output>(
    program: ProgramSpec<State, Args, Value, Output>,
  ): ProgramHandle<State, Args, Value, Output> => {
    // The id the kernel installed (it read the spec once); only an install queued from
    // inside a job, not yet read, takes it from the spec.
    const installed = impl.command({ type: "install", program }, (effects) => firstEffect(effects, "installed"));
    const id = installed?.programId ?? String(program.id);
    return {
      id,
      getState: () => checked.getState(id) as State,
      getSpawnState: (spawnId) => checked.getSpawnState(id, spawnId) as State,
      trigger: (at) => impl.trigger(id, at) as Promise<Value>,
      spawn: (opts) => spawn(id, opts as SpawnOptions | undefined),
      unspawn: () => unspawn(id),
    };
  };
  return {
    id: impl.id,
    now: impl.now,
    ...checked,
    // The kernel's time is that of its last command; a runner reports its clock's time now.
    info: () => {
      const info = queries.info();
      return { ...info, clock: { ...info.clock, now: Math.max(info.clock.now, impl.now()) } };
    },
    start: () => impl.start(),
    stop: (stopOptions) => impl.stop(stopOptions),
    kill: () => impl.kill(),
    isStarted: impl.isStarted,
    isStopped: impl.isStopped,
    health: impl.health,
    install,
    uninstall: (programId) => run({ type: "uninstall", programId }),
    trigger: (programId, time) => impl.trigger(programId, time),
    setInterval,
    spawn,
    unspawn,
    stopSpawn: (programId, spawnId) => run({ type: "stop-spawn", programId, spawnId }),
    killSpawn: (programId, spawnId) => run({ type: "kill-spawn", programId, spawnId }),
    stopAll: (programId) => run(programId === undefined ? { type: "stop-all" } : { type: "stop-all", programId }),
    killAll: (programId) => run(programId === undefined ? { type: "kill-all" } : { type: "kill-all", programId }),
    clear: (programId) => run({ type: "clear", programId }),
    pause: (programId: string, spawnOrOpts?: string | PauseOptions, options?: PauseOptions) => {
      const { spawnId, note } = pauseArgs(spawnOrOpts, options);
      run({
        type: "pause",
        programId,
        ...(spawnId === undefined ? {} : { spawnId }),
        ...(note === undefined ? {} : { note }),
      });
    },
    resume: (programId, spawnId) => run({ type: "resume", programId, ...(spawnId === undefined ? {} : { spawnId }) }),
    backfill: (programId, range) =>
      impl.command(
        {
          type: "backfill",
          programId,
          from: range.from,
          to: range.to,
          ...(range.overlap === undefined ? {} : { overlap: range.overlap }),
        },
        (effects) => firstEffect(effects, "backfilled")?.runs.map((each) => each.fireId),
      ) ?? [],
    subscribe: (listener) => impl.subscribe(listener),
    wrapJobs: (wrapper) => impl.wrapJobs(wrapper),
    validateProgram: (spec) => validateProgramOf(impl.machine, spec),
    // The kernel's time is that of its last command; a spawn made now is made at the clock's time.
    nextRuns: (programId: string, spawnOrCount?: string | number, countOrFrom?: number, at?: number) => {
      const { spawnId, count, from } = nextRunsArgs(spawnOrCount, countOrFrom, at);
      return nextRunsOf(impl.machine, programId, spawnId, count, from, Math.max(impl.machine.now, impl.now()));
    },
  };
};
