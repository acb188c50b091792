import type { SchedkitErrorCode } from "../SchedkitError.js";
import { show } from "./describe.js";
import type { ProgramRecord } from "./model.js";

/**
 * A validated command, ready to apply; or a rejection. Every command is judged against the
 * kernel as it is before anything changes (see `Machine.prepare`), so a rejection changes nothing.
 */
export type Plan =
  | { readonly kind: "apply"; readonly apply: () => void }
  | { readonly kind: "reject"; readonly code: SchedkitErrorCode; readonly field: string; readonly message: string };

export const reject = (code: SchedkitErrorCode, field: string, message: string): Plan => ({
  kind: "reject",
  code,
  field,
  message,
});

export const apply = (fn: () => void): Plan => ({ kind: "apply", apply: fn });

export const unknownProgram = (programId: string): Plan =>
  reject("unknown-program", "command.programId", `command.programId: no program ${show(programId)} is installed`);

export const unknownSpawn = (program: ProgramRecord, spawnId: string, field: string): Plan =>
  reject("unknown-spawn", field, `${field}: program ${show(program.id)} has no spawn ${show(spawnId)}`);
