import { SchedkitError } from "../../SchedkitError.js";

const positive = (value, field, fallback, integer = false) => {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new SchedkitError(
      "invalid-options",
      `${field} must be a positive ${integer ? "integer" : "number"} (ms), got ${String(value)}`,
      { field },
    );
  }
  return value;
};
/** The coordinator's options with defaults (FLEET.md), or a coded error naming the field. */
export const checkOptions = (options) => {
  if (typeof options !== "object" || options === null) {
    throw new SchedkitError("invalid-options", "coordinator options must be an object", { field: "options" });
  }
  if (typeof options.nodeId !== "string" || options.nodeId === "") {
    throw new SchedkitError("invalid-options", "nodeId must be a non-empty string", { field: "nodeId" });
  }
  if (options.session !== undefined && (typeof options.session !== "string" || options.session === "")) {
    throw new SchedkitError("invalid-options", "session must be a non-empty string", { field: "session" });
  }
  if (!Array.isArray(options.programs)) {
    throw new SchedkitError("invalid-options", "programs must be a list of program specs", { field: "programs" });
  }
  const shards = positive(options.shards, "shards", 64, true);
  const leaseTtl = positive(options.leaseTtl, "leaseTtl", 10_000);
  const renewInterval = positive(options.renewInterval, "renewInterval", leaseTtl / 3);
  const safetyMargin = positive(options.safetyMargin, "safetyMargin", Math.min(1_000, leaseTtl / 10));
  if (safetyMargin + renewInterval >= leaseTtl) {
    throw new SchedkitError(
      "invalid-options",
      `renewInterval (${renewInterval}) + safetyMargin (${safetyMargin}) must be below leaseTtl (${leaseTtl}), or a lease lapses between renewals`,
      { field: "renewInterval" },
    );
  }
  const requestTimeout = positive(options.requestTimeout, "requestTimeout", renewInterval / 2);
  if (requestTimeout > renewInterval) {
    throw new SchedkitError(
      "invalid-options",
      `requestTimeout (${requestTimeout}) must be at most renewInterval (${renewInterval}), or one lost renewal holds back the next`,
      { field: "requestTimeout" },
    );
  }
  return {
    shards,
    leaseTtl,
    renewInterval,
    safetyMargin,
    requestTimeout,
    checkpointEvery: positive(options.checkpointEvery, "checkpointEvery", 100, true),
    inboxPollInterval: positive(options.inboxPollInterval, "inboxPollInterval", 250),
    answerPollInterval: positive(options.answerPollInterval, "answerPollInterval", 100),
    commandTimeout: positive(options.commandTimeout, "commandTimeout", leaseTtl * 2),
  };
};
const fleetCommandTypes = new Set([
  "spawn",
  "unspawn",
  "trigger",
  "set-interval",
  "stop-spawn",
  "kill-spawn",
  "stop-all",
  "kill-all",
  "clear",
  "pause",
  "resume",
  "backfill",
]);
/** A problem with a command submitted on this node, answered at once; `undefined` when it may travel. */
export const checkFleetCommand = (commandId, command, programs, pending) => {
  const failed = (code, field, message) => ({
    status: "failed",
    code,
    field,
    message,
  });
  if (typeof commandId !== "string" || commandId === "") {
    return failed("invalid-command", "commandId", "commandId must be a non-empty string");
  }
  if (pending.has(commandId)) return failed("invalid-command", "commandId", `command ${commandId} is already pending`);
  if (typeof command !== "object" || command === null || !fleetCommandTypes.has(command.type)) {
    return failed(
      "invalid-command",
      "type",
      `a fleet command's type must be one of ${[...fleetCommandTypes].join(", ")}`,
    );
  }
  if (typeof command.programId !== "string" || !programs.has(command.programId)) {
    return failed(
      "unknown-program",
      "programId",
      `program ${JSON.stringify(command.programId)} is not installed on this node (every node installs the same programs)`,
    );
  }
  if (command.type === "set-interval" && (typeof command.interval !== "number" || !Number.isFinite(command.interval))) {
    return failed(
      "invalid-interval",
      "interval",
      "a fleet set-interval takes a number of ms (a function cannot travel)",
    );
  }
  try {
    JSON.stringify(command);
  } catch {
    return failed("invalid-command", "command", "a fleet command must be JSON data");
  }
  return undefined;
};
