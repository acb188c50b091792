import fc from "fast-check";
import type { FaultPlan, JobBehaviour, ProgramDescriptor, TimelineEvent } from "../types.js";

export const calm: JobBehaviour = {
  minDuration: 0,
  maxDuration: 20,
  failRate: 0,
  slowRate: 0,
  slowFactor: 1,
  hangRate: 0,
  mergeThrowRate: 0,
};

export const behaviourArb = (faults: FaultPlan, base: JobBehaviour): fc.Arbitrary<JobBehaviour> =>
  fc
    .record({
      failRate: faults.families.failures ? fc.double({ min: 0.02, max: 0.3, noNaN: true }) : fc.constant(0),
      mergeThrowRate: faults.families.failures ? fc.double({ min: 0.01, max: 0.1, noNaN: true }) : fc.constant(0),
      slowRate: faults.families.slowJobs ? fc.double({ min: 0.02, max: 0.2, noNaN: true }) : fc.constant(0),
      slowFactor: faults.families.slowJobs ? fc.integer({ min: 3, max: 50 }) : fc.constant(1),
      hangRate: faults.families.slowJobs ? fc.double({ min: 0, max: 0.02, noNaN: true }) : fc.constant(0),
    })
    .map((drawn) => ({ ...base, ...drawn }));

export interface Plan {
  readonly programs: readonly ProgramDescriptor[];
  /** Operator commands after the installs. */
  readonly events: readonly TimelineEvent[];
  readonly horizon: number;
  /** When the programs are installed and the horizon begins (0 unless a scenario starts at a large time). */
  readonly start?: number;
}

/** A time in (start, start + span]. */
export const atFrom = (start: number, span: number) =>
  fc.integer({ min: 1, max: Math.max(1, Math.floor(span)) }).map((offset) => start + offset);
