import { show } from "./describe.js";
export const reject = (code, field, message) => ({
  kind: "reject",
  code,
  field,
  message,
});
export const apply = (fn) => ({ kind: "apply", apply: fn });
export const unknownProgram = (programId) =>
  reject("unknown-program", "command.programId", `command.programId: no program ${show(programId)} is installed`);
export const unknownSpawn = (program, spawnId, field) =>
  reject("unknown-spawn", field, `${field}: program ${show(program.id)} has no spawn ${show(spawnId)}`);
