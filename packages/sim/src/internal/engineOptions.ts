import type { Command, Kernel, KernelEffect, KernelOptions, UnspawnPolicy } from "@schedkit/kernel";
import type { SpawnLife, Timeline, Violation } from "../types.js";
import { HOSTILE_POLICY, simPolicies } from "./hostile.js";

// What runTimeline takes and gives back, and the kernel options of a run.

/** Something that takes kernel commands and answers with effects: the reference model. */
export interface EffectOracle {
  dispatch(command: Command): readonly KernelEffect[];
}

export interface EngineOptions {
  readonly timeline: Timeline;
  readonly policies: readonly UnspawnPolicy[];
  /** A second implementation to compare effect by effect (the reference model). */
  readonly oracle?: EffectOracle | undefined;
  /** Sees every effect, in order (for conformance tests and tools). */
  readonly record?: ((effect: KernelEffect) => void) | undefined;
  /**
   * Snapshot checks around the commands that can be rejected (`rejected-unchanged`,
   * `run-returned` on the kernel's jobs in flight). Default true; the determinism
   * rerun leaves them out.
   */
  readonly deep?: boolean | undefined;
  /** Wraps every kernel the engine makes, also one restored after a crash (tests plant bugs this way). */
  readonly wrapKernel?: ((kernel: Kernel) => Kernel) | undefined;
  /**
   * The invariant checks (every `verify`: grid, liveness, one-stopped, spec 18's, counters...).
   * Default true. Off for a run whose only use is its trace hash (the determinism run, and
   * `checks: "determinism-only"`): the run then drives the kernel and hashes its effects alone.
   */
  readonly checks?: boolean | undefined;
  /**
   * The trace hash's scheme: 2 (a numeric hash over every field, the default) or 1 (SHA-256 of
   * each effect's JSON), to compare with a hash recorded in a file by an older simulator.
   */
  readonly traceHashVersion?: 1 | 2 | undefined;
  /** Test only: after every dispatch read every running spawn of a touched program back (the reference scan). */
  readonly scanAlways?: boolean | undefined;
}

export interface EngineRun {
  readonly traceHash: string;
  readonly violations: Violation[];
  readonly lateness: { readonly basic: number[]; readonly constant: number[] };
  readonly drift: number;
  readonly spawns: SpawnLife[];
  readonly checks: Record<string, number>;
  readonly steps: number;
  readonly jobs: number;
  readonly simulatedMs: number;
}

/** The policies of a run's kernel: the run's own, then the simulator's hostile ones if a program names them. */
const policiesOfRun = (timeline: Timeline, policies: readonly UnspawnPolicy[]): UnspawnPolicy[] => {
  const hostile = timeline.events.some((event) => event.kind === "install" && event.program.policy === HOSTILE_POLICY);
  return hostile ? [...policies, ...simPolicies()] : [...policies];
};

/** The kernel options of a run (the reference model gets the same). */
export const kernelOptionsFor = (timeline: Timeline, policies: readonly UnspawnPolicy[]): KernelOptions => ({
  policies: policiesOfRun(timeline, policies),
  ...(policies[0] === undefined ? {} : { defaultPolicy: policies[0].name }),
  seed: timeline.seed,
  // Hostile runs jump hours ahead often: a small limit reaches it in most jumps and keeps them quick.
  ...(timeline.scenario === "hostile" ? { catchUpLimit: HOSTILE_CATCH_UP_LIMIT } : {}),
});

/** The kernel's `catchUpLimit` in hostile runs. */
const HOSTILE_CATCH_UP_LIMIT = 200;
