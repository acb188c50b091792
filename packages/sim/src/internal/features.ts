/**
 * Spec 18's features, each switched on in the simulator once the kernel has landed it
 * (`/work/notes/kernel18-status.md`): until then a timeline that uses a feature would
 * only show that the kernel does not have it yet. A switch governs what the generator
 * draws; the reference model, the timeline format and the checks know every feature
 * whatever the switches say.
 */
export interface Spec18Features {
  /** `overlap` and `bufferLimit` on constant and cron programs and spawn options. */
  readonly overlap: boolean;
  /** `pause` and `resume` commands, program- and spawn-wide, with and without a note. */
  readonly pause: boolean;
  readonly maxRuns: boolean;
  readonly startAt: boolean;
  readonly endAt: boolean;
  /** `jitter` on programs and spawn options (landed in the kernel at 01:23). */
  readonly jitter: boolean;
  /** `backfill` commands (landed in the kernel at 01:23). */
  readonly backfill: boolean;
  /** `skipped`, `buffered`, `runs`, `paused` and `pauseNote` in the props a `continueFn` is given. */
  readonly props: boolean;
}

export const spec18Off: Spec18Features = {
  overlap: false,
  pause: false,
  maxRuns: false,
  startAt: false,
  endAt: false,
  jitter: false,
  backfill: false,
  props: false,
};

export const spec18On: Spec18Features = {
  overlap: true,
  pause: true,
  maxRuns: true,
  startAt: true,
  endAt: true,
  jitter: true,
  backfill: true,
  props: true,
};

/**
 * What the kernel has landed, so far: what the generator draws by default (all of it since
 * the kernel's status of 01:50: behaviour, snapshots and exports).
 */
export const SPEC18_FEATURES: Spec18Features = { ...spec18On };
