import type { ProgramSpec } from "../Program.js";
import { CheckContext } from "./snapshotCheck/context.js";
import { checkKernel, checkPart } from "./snapshotCheck/kernel.js";
import type { KernelSnapshot } from "./snapshotTypes.js";

/**
 * Consistency of a decoded snapshot: the schema checks each field's shape,
 * this checks that the fields agree with each other the way a kernel's state
 * always does. Anything else was tampered with (or corrupted), and restoring
 * it would give a kernel that breaks its own rules later (a spawn running
 * twice, a job id the kernel will issue again, a result that never arrives).
 * Each refusal is an `invalid-snapshot` error whose `field` is the path of
 * the offending value (`snapshot.programs[1].spawns[0].inFlight[2].startedAt`).
 */

// The checks live in ./snapshotCheck/, one module per level (kernel, program, spawn, its
// results and overrides, jobs); they run in a fixed order, and the first to fail decides the error.

/**
 * Refuses (`invalid-snapshot`, naming the path) a snapshot whose parts
 * disagree, or that the specs passed for its programs (by id) could not have
 * made (another type or scope, results kept or not against `output`).
 */
export const checkSnapshot = (snapshot: KernelSnapshot, specs: ReadonlyMap<string, ProgramSpec>): void =>
  checkKernel(new CheckContext(snapshot, specs));

/**
 * The same checks for one program's part alone: `snapshot` holds only it (an export made to look
 * like a snapshot), and the refusals name paths under `root` (`command.export.spawns[0].pending`).
 */
export const checkProgramPart = (snapshot: KernelSnapshot, spec: ProgramSpec, root: string): void => {
  const [program] = snapshot.programs;
  checkPart(new CheckContext(snapshot, new Map(program === undefined ? [] : [[program.id, spec]])), root);
};
