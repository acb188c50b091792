import { createKernel, type KernelOptions } from "../../Kernel.js";
import type { ProgramSpec } from "../../Program.js";
import { SchedkitError } from "../../SchedkitError.js";
import { fingerprintOf, shardOf } from "../fingerprint.js";
import type { Fingerprints } from "../protocol.js";

/** A node's programs, checked once at start: by id, by shard, and each shard's fingerprints. */
export interface ProgramTable {
  readonly programs: ReadonlyMap<string, ProgramSpec>;
  readonly shardPrograms: ReadonlyMap<number, ReadonlyMap<string, ProgramSpec>>;
  /** What an acquire shows the store, which refuses a mismatch as deploy skew (FLEET.md guarantee 7). */
  readonly shardFingerprints: ReadonlyMap<number, Fingerprints>;
}

/**
 * Checks every spec as `install` would (on a scratch kernel, so an error names the spec) and
 * groups them by shard. A program id given twice is an error: the id is the program's identity
 * on every node.
 */
export const programTable = (
  specs: readonly ProgramSpec[],
  kernelOptions: KernelOptions,
  shardCount: number,
): ProgramTable => {
  const programs = new Map<string, ProgramSpec>();
  const shardPrograms = new Map<number, Map<string, ProgramSpec>>();
  const shardFingerprints = new Map<number, Fingerprints>();
  const scratch = createKernel(kernelOptions);
  for (const [index, program] of specs.entries()) {
    const rejected = scratch.dispatch({ type: "install", at: 0, program }).find((effect) => effect.type === "rejected");
    if (rejected !== undefined) {
      throw new SchedkitError(rejected.code, `programs[${index}]: ${rejected.message}`, {
        field: `programs[${index}].${rejected.field}`,
      });
    }
    if (programs.has(program.id)) {
      throw new SchedkitError("invalid-options", `programs[${index}]: program "${program.id}" is given twice`, {
        field: `programs[${index}].id`,
      });
    }
    programs.set(program.id, program);
    const shard = shardOf(program.id, shardCount);
    let onShard = shardPrograms.get(shard);
    if (onShard === undefined) {
      onShard = new Map();
      shardPrograms.set(shard, onShard);
    }
    onShard.set(program.id, program);
  }
  for (const [shard, onShard] of shardPrograms) {
    const fingerprints: Record<string, ReturnType<typeof fingerprintOf>> = {};
    for (const [programId, spec] of onShard) fingerprints[programId] = fingerprintOf(spec);
    shardFingerprints.set(shard, fingerprints);
  }
  return { programs, shardPrograms, shardFingerprints };
};
