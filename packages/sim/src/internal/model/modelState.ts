/**
 * The reference model's mutable state as one plain record, and the effect list it fills.
 * Every module of the model takes this record as its first argument (plain functions, no
 * class, no getters): one object of one shape, so the hot paths stay monomorphic.
 */
import type { KernelEffect, KernelOptions, Outcome, UnspawnPolicy } from "@schedkit/kernel";
import { JobQueue } from "./jobQueue.js";
import { asKernelEffect, type SimEffect } from "./spec18.js";
import type { Job, Program, Spawn } from "./state.js";
import { DEFAULT_LIMIT } from "./values.js";
import type { Verdict } from "./verdict.js";

export interface ModelState {
  // --- Options, fixed at creation.
  readonly policies: readonly UnspawnPolicy[];
  readonly defaultPolicy: string | undefined;
  readonly historyLimit: number;
  readonly catchUpLimit: number;
  readonly seed: number;
  /** Each index checks itself against the scan it replaces (the tests' mode). */
  readonly verify: boolean;

  // --- Time.
  now: number;
  /** Wall clock minus kernel time, from the latest accepted command that carried `wall`. */
  wallOffset: number;
  /**
   * The dispatch in progress, by number: a spawn counts the jobs it started in it
   * (`Spawn.startsIn`, `Spawn.starts`, for the catch-up limit).
   */
  dispatchNumber: number;
  /** Catch-up jobs the dispatch in progress may still start. */
  catchUpLeft: number;

  // --- Programs, spawns, jobs and their indexes.
  jobsIssued: number;
  spawnsMade: number;
  programs: Program[];
  /** Jobs waiting for their time or in flight, with the lookups the model needs. */
  readonly queue: JobQueue;
  /** Spawns made with an `endAt` (running ones, and some that stopped since). */
  readonly withEndAt: Set<Spawn>;
  /** Spawns told to stop that have not had their `stopped` yet. */
  readonly stopping: Set<Spawn>;

  // --- The dispatch in progress.
  /**
   * The effects of the dispatch in progress: the first `emitted` of a list kept from one
   * dispatch to the next (handed back as a copy of just those, see `handOut`).
   */
  readonly out: KernelEffect[];
  emitted: number;
  /** The job in flight the `complete` being dispatched names, and its outcome (for `settleCompleting`). */
  completing: Job | undefined;
  completingOutcome: Outcome | undefined;
  /**
   * The one verdict of every `complete` of a job in flight (the job and outcome are set aside
   * above): made once per model, so a complete allocates no verdict. Set right after creation.
   */
  settleCompleting: Verdict;
}

/** A placeholder until the model's own `settleCompleting` is made (it needs the state). */
const notYet: Verdict = {
  ok: true,
  apply: () => {
    throw new Error("reference model: settleCompleting was not set");
  },
};

export const createModelState = (options: KernelOptions, verify: boolean): ModelState => {
  const policies: UnspawnPolicy[] = [...(options.policies ?? [])];
  const catchUpLimit = (options as { catchUpLimit?: number }).catchUpLimit ?? DEFAULT_LIMIT;
  return {
    policies,
    defaultPolicy: options.defaultPolicy ?? policies[0]?.name,
    historyLimit: options.historyLimit ?? 100,
    catchUpLimit,
    seed: options.seed ?? 0,
    verify,
    now: 0,
    wallOffset: 0,
    dispatchNumber: 0,
    catchUpLeft: catchUpLimit,
    jobsIssued: 0,
    spawnsMade: 0,
    programs: [],
    queue: new JobQueue(verify),
    withEndAt: new Set<Spawn>(),
    stopping: new Set<Spawn>(),
    out: [],
    emitted: 0,
    completing: undefined,
    completingOutcome: undefined,
    settleCompleting: notYet,
  };
};

export const emit = (m: ModelState, effect: KernelEffect): void => {
  m.out[m.emitted++] = effect;
};

/** Spec 18's effects (and reasons), which the kernel's public types may not have yet. */
export const emit18 = (m: ModelState, effect: SimEffect): void => {
  m.out[m.emitted++] = asKernelEffect(effect);
};

/** The dispatch's effects as a list of their own (the common short ones written out: no copy call). */
export const handOut = (m: ModelState): KernelEffect[] => {
  const out = m.out;
  switch (m.emitted) {
    case 1:
      return [out[0] as KernelEffect];
    case 2:
      return [out[0] as KernelEffect, out[1] as KernelEffect];
    case 3:
      return [out[0] as KernelEffect, out[1] as KernelEffect, out[2] as KernelEffect];
    default:
      return out.slice(0, m.emitted);
  }
};
