/**
 * Spec 18's overlap policy, as the reference model decides it: what a spawn's due
 * job does when it comes due (after the catch-up window and limit) while the spawn is
 * busy, that is, has a job in flight or runs waiting in its buffer.
 */
import { DEFAULT_BUFFER_LIMIT, type Overlap } from "./spec18.js";

/** What happens to a due time. */
export type OverlapDecision =
  /** It starts (the spawn is not busy, or overlap is `allow`). */
  | { readonly kind: "start" }
  /** It starts once the spawn's jobs in flight are cancelled (reason `overlap`). */
  | { readonly kind: "cancel-others" }
  /** It waits in the spawn's buffer. */
  | { readonly kind: "buffer" }
  /** It does not run: a `skipped` effect. */
  | { readonly kind: "skip"; readonly reason: "overlap" | "buffer-full" };

export interface BusyState {
  readonly overlap: Overlap;
  readonly bufferLimit: number | undefined;
  readonly inFlight: number;
  readonly buffered: number;
}

// The decisions, made once (a decision is read, never kept or changed).
const START: OverlapDecision = { kind: "start" };
const CANCEL_OTHERS: OverlapDecision = { kind: "cancel-others" };
const BUFFER: OverlapDecision = { kind: "buffer" };
const SKIP_OVERLAP: OverlapDecision = { kind: "skip", reason: "overlap" };
const SKIP_FULL: OverlapDecision = { kind: "skip", reason: "buffer-full" };

export const decideOverlap = (state: BusyState): OverlapDecision => {
  const busy = state.inFlight > 0 || state.buffered > 0;
  if (!busy) return START;
  switch (state.overlap) {
    case "allow":
      return START;
    case "skip":
      return SKIP_OVERLAP;
    case "buffer-one":
      return state.buffered === 0 ? BUFFER : SKIP_FULL;
    case "buffer-all":
      return state.buffered < (state.bufferLimit ?? DEFAULT_BUFFER_LIMIT) ? BUFFER : SKIP_FULL;
    case "cancel-other":
      return state.inFlight > 0 ? CANCEL_OTHERS : START;
  }
};
