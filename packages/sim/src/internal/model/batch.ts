import type { Outcome } from "@schedkit/kernel";
import { type Checked, checkCommand } from "./inputs.js";

/** One entry of a batch `complete`, checked. */
export interface BatchEntry {
  readonly jobId: string;
  readonly outcome: Outcome;
}

export interface Batch {
  readonly at: number;
  readonly wall: number | undefined;
  readonly results: readonly BatchEntry[];
}

const read = (value: object, key: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: (value as Record<string, unknown>)[key] };
  } catch {
    return { ok: false };
  }
};

/**
 * The batch form of `complete` (`results` instead of `jobId` and `outcome`), written from its
 * contract: exactly the single `complete`s of `results` in order, minus their intermediate
 * wakes; the whole command is rejected if it has no entry or any entry is malformed. `undefined` when the input
 * is not a batch. Each entry is checked as the single form would be (same rules, its fields
 * named `command.results[i]...`).
 */
export const batchOf = (input: unknown): Checked<Batch> | undefined => {
  if (typeof input !== "object" || input === null) return undefined;
  let type: unknown;
  try {
    type = (input as { type?: unknown }).type;
  } catch {
    return undefined;
  }
  if (type !== "complete") return undefined;
  let isBatch: boolean;
  try {
    isBatch = Object.hasOwn(input, "results");
  } catch {
    return undefined;
  }
  if (!isBatch) return undefined;
  const keys = Object.keys(input);
  for (const key of keys) {
    if (key !== "type" && key !== "at" && key !== "wall" && key !== "results")
      return { ok: false, field: `command.${key}` };
  }
  const at = read(input, "at");
  const wall = read(input, "wall");
  const results = read(input, "results");
  if (!results.ok || !Array.isArray(results.value)) return { ok: false, field: "command.results" };
  // Time and wall checked as a single complete's would be.
  const head = checkCommand({
    type: "complete",
    at: at.ok ? at.value : undefined,
    ...(wall.ok && wall.value !== undefined ? { wall: wall.value } : {}),
    jobId: "job-1",
    outcome: { ok: true },
  });
  if (!head.ok) return head;
  const entries: BatchEntry[] = [];
  const list = results.value as unknown[];
  // At least one result: an empty batch is refused (after `at` and `wall`, as the contract orders its fields).
  if (list.length === 0) return { ok: false, field: "command.results" };
  for (let index = 0; index < list.length; index++) {
    const entry = list[index];
    const root = `command.results[${index}]`;
    if (typeof entry !== "object" || entry === null) return { ok: false, field: root };
    let copy: object;
    try {
      copy = { ...(entry as object), type: "complete", at: head.value.at };
    } catch {
      return { ok: false, field: root };
    }
    const single = checkCommand(copy);
    if (!single.ok) return { ok: false, field: single.field.replace(/^command/, root) };
    const checked = single.value as unknown as BatchEntry;
    entries.push({ jobId: checked.jobId, outcome: checked.outcome });
  }
  return {
    ok: true,
    value: { at: head.value.at, wall: (head.value as { wall?: number }).wall, results: entries },
  };
};
