import type { Command, Outcome } from "../../Command.js";
import { show } from "../../internal/describe.js";
import { copyPlainJson, NOT_PLAIN } from "../../internal/jsonCopy.js";
import type { FleetCommand, LogEntry } from "../protocol.js";

/**
 * A value as it survives the log: JSON data (an Error as `{ name, message }`,
 * a BigInt as its digits). The owner folds this copy into its state, not the
 * original, so that a replay on another node folds the very same value.
 */
export const toJsonData = (value: unknown): unknown => {
  if (value === undefined) return undefined;
  // Plain data (most results) is copied as the round trip would copy it, without the text.
  const copied = copyPlainJson(value);
  if (copied !== NOT_PLAIN) return copied;
  try {
    const text = JSON.stringify(value, (_key, item: unknown) =>
      item instanceof Error
        ? { name: item.name, message: item.message }
        : typeof item === "bigint"
          ? item.toString()
          : item,
    );
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return { unserializable: show(value) };
  }
};

export const jsonOutcome = (outcome: Outcome): Outcome => {
  if ("lost" in outcome) return { lost: true };
  if (outcome.ok) {
    const value = toJsonData(outcome.value);
    return value === undefined ? { ok: true } : { ok: true, value };
  }
  return { ok: false, error: toJsonData(outcome.error) };
};

/** A trigger's fire id comes from its command's place in the shard's log. */
export const triggerFireId = (programId: string, seq: number): string => `${programId}/trigger/${seq}`;

/** The kernel command a log entry stands for; `jobOf` maps a fire id to this kernel's job id. */
export const kernelCommandOf = (
  entry: LogEntry,
  jobOf: (fireId: string) => string | undefined,
): Command | undefined => {
  const { command, at } = entry;
  switch (command.type) {
    case "tick":
      return { type: "tick", at };
    case "complete": {
      const jobId = jobOf(command.fireId);
      return jobId === undefined ? undefined : { type: "complete", at, jobId, outcome: command.outcome };
    }
    case "trigger":
      return { ...command, at, fireId: triggerFireId(command.programId, entry.seq) };
    default:
      return { ...(command as FleetCommand), at } as Command;
  }
};
