/** What checking a command decided, and the common refusals. */
import type { SchedkitErrorCode } from "@schedkit/kernel";

/** What checking a command decided: apply it, or reject it. */
export type Verdict =
  | { readonly ok: true; readonly apply: () => void }
  | { readonly ok: false; readonly code: SchedkitErrorCode; readonly field: string; readonly message: string };

export const refuseWith = (code: SchedkitErrorCode, field: string, message: string): Verdict => ({
  ok: false,
  code,
  field,
  message,
});

export const unknownProgram = (id: string): Verdict =>
  refuseWith("unknown-program", "command.programId", `no program "${id}" is installed`);

export const unknownSpawn = (programId: string, spawnId: string): Verdict =>
  refuseWith("unknown-spawn", "command.spawnId", `program "${programId}" has no spawn "${spawnId}"`);

export const accept = (apply: () => void): Verdict => ({ ok: true, apply });
