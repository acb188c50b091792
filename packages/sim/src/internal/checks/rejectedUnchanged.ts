import type { Kernel, KernelEffect } from "@schedkit/kernel";
import { canonical } from "../hash.js";
import type { Verify } from "./verify.js";

/** The kernel's snapshot, or the error `snapshot()` threw. */
export type SnapshotRead =
  | {
      readonly ok: true;
      /** The snapshot itself (read at once, before the next dispatch). */
      readonly data: unknown;
    }
  | {
      readonly ok: false;
      readonly error: string;
      /** The kernel refused on purpose (`invalid-snapshot`: state or errors that are not JSON data). */
      readonly refused: boolean;
    };

/** The kernel's snapshot and its JSON text, or the error `snapshot()` (or writing it) threw. */
export type SnapshotText =
  | (Extract<SnapshotRead, { ok: true }> & { readonly text: string })
  | Extract<SnapshotRead, { ok: false }>;

const failedRead = (error: unknown): Extract<SnapshotRead, { ok: false }> => {
  let refused = false;
  let text: string;
  try {
    refused = (error as { code?: unknown }).code === "invalid-snapshot";
    text = canonical(error instanceof Error ? error.message : error);
  } catch {
    text = "(an error that cannot be shown)";
  }
  return { ok: false, error: text, refused };
};

/** `snapshot()`; a throw is reported (check `snapshot`), never let out. */
export const snapshotRead = (kernel: Kernel): SnapshotRead => {
  try {
    return { ok: true, data: kernel.snapshot() };
  } catch (error) {
    return failedRead(error);
  }
};

/** `snapshot()` as text too: for comparing two states, and for restoring from it. */
export const snapshotText = (kernel: Kernel): SnapshotText => {
  try {
    const data = kernel.snapshot();
    return { ok: true, text: JSON.stringify(data), data };
  } catch (error) {
    return failedRead(error);
  }
};

/** The first place where two snapshot texts differ, with some context, for the message. */
const firstDifference = (a: string, b: string): string => {
  let index = 0;
  while (index < a.length && index < b.length && a[index] === b[index]) index++;
  const from = Math.max(0, index - 60);
  return `before …${a.slice(from, index + 80)}… after …${b.slice(from, index + 80)}…`;
};

/**
 * `rejected-unchanged`: a command that comes back `rejected` leaves
 * `kernel.snapshot()` as it was, and its effects are the rejection and the
 * wake alone. The one exception (an unspawn whose policy failed) is compared
 * with the same kernel after a `tick` at that time (`expectedAfterTick`).
 */
export const checkRejected = (
  verify: Verify,
  effects: readonly KernelEffect[],
  before: SnapshotText,
  after: SnapshotText,
  expectedAfterTick: (() => SnapshotText) | undefined,
): void => {
  const rejected = effects.find((effect) => effect.type === "rejected");
  if (rejected === undefined || rejected.type !== "rejected") return;
  const policyFailed = rejected.code === "policy-failed";
  if (!policyFailed) {
    const others = effects.filter((effect) => effect.type !== "rejected" && effect.type !== "wake");
    verify(
      "rejected-unchanged",
      others.length === 0 && effects.length === 2,
      () =>
        `a rejected command (${rejected.code} ${rejected.field}) came with other effects: ${others.map((effect) => effect.type).join(", ")}`,
    );
  }
  if (!before.ok || !after.ok) return;
  const expected = policyFailed && expectedAfterTick !== undefined ? expectedAfterTick() : before;
  if (!expected.ok) return;
  verify(
    "rejected-unchanged",
    expected.text === after.text,
    () =>
      `a rejected command (${rejected.code} ${rejected.field}) changed the kernel${policyFailed ? " beyond a tick at its time" : ""}: ${firstDifference(expected.text, after.text)}`,
  );
};
