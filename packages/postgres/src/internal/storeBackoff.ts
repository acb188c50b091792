import { SchedkitError } from "@schedkit/kernel";
import { fnv1a32 } from "@schedkit/kernel/fleet";

/** How a replica waits between attempts while its store fails. @since 0.1.0 */
export interface RetryOptions {
  /** The wait after the first failure (ms). Default 100. */
  readonly initialDelay?: number;
  /** The longest wait (ms); doubling stops here. Default: `renewInterval`, at most 5,000. */
  readonly maxDelay?: number;
}

export interface BackoffSettings {
  readonly initialDelay: number;
  readonly maxDelay: number;
  /** Spreads replicas that failed at the same instant (a server restart) apart: a fraction in [0, 1). */
  readonly jitter: (attempt: number) => number;
}

/** The retry settings with defaults, or a coded error naming the field. */
export const backoffSettings = (
  retry: RetryOptions | undefined,
  timing: { readonly leaseTtl?: number | undefined; readonly renewInterval?: number | undefined },
  nodeId: string,
): BackoffSettings => {
  if (retry !== undefined && (typeof retry !== "object" || retry === null)) {
    throw new SchedkitError("invalid-options", "retry must be an object { initialDelay?, maxDelay? }", {
      field: "retry",
    });
  }
  const positive = (value: unknown, field: string, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new SchedkitError("invalid-options", `${field} must be a positive number (ms), got ${String(value)}`, {
        field,
      });
    }
    return value;
  };
  const leaseTtl = typeof timing.leaseTtl === "number" ? timing.leaseTtl : 10_000;
  const renewInterval = typeof timing.renewInterval === "number" ? timing.renewInterval : leaseTtl / 3;
  const initialDelay = positive(retry?.initialDelay, "retry.initialDelay", 100);
  const maxDelay = positive(retry?.maxDelay, "retry.maxDelay", Math.max(initialDelay, Math.min(5_000, renewInterval)));
  if (initialDelay > maxDelay) {
    throw new SchedkitError(
      "invalid-options",
      `retry.initialDelay (${initialDelay}) must be at most retry.maxDelay (${maxDelay})`,
      { field: "retry.initialDelay" },
    );
  }
  return { initialDelay, maxDelay, jitter: (attempt) => fnv1a32(`${nodeId}:${attempt}`) / 2 ** 32 };
};

/** What a failure did to the backoff. */
export interface FailureVerdict {
  /** This failure began a new round (the first, or one of the requests sent after the last wait). */
  readonly advanced: boolean;
  readonly attempt: number;
  /** Ms until requests go to the store again. */
  readonly retryIn: number;
}

/**
 * Exponential backoff for a replica's store requests, pure (time comes in).
 * After a failure, requests wait until `retryAt`; each round whose requests
 * fail again doubles the wait up to `maxDelay` (each wait between 75 % and
 * 100 % of its step, so replicas spread out); any answer ends it. Requests
 * that were already under way when a round began do not advance it again, so
 * twenty failures of one outage moment count once.
 */
export class StoreBackoff {
  private failures = 0;
  private retryAt = Number.NEGATIVE_INFINITY;
  private downSince: number | undefined;
  private message: string | undefined;

  constructor(private readonly settings: BackoffSettings) {}

  /** Whether a request made now must wait (until `until()`). */
  holding(now: number): boolean {
    return this.failures > 0 && now < this.retryAt;
  }

  until(): number {
    return this.retryAt;
  }

  /** A request sent to the store at `sentAt` failed at `now`. */
  failed(now: number, sentAt: number, message: string): FailureVerdict {
    this.message = message;
    if (this.failures > 0 && sentAt < this.retryAt) {
      return { advanced: false, attempt: this.failures, retryIn: Math.max(0, this.retryAt - now) };
    }
    this.failures += 1;
    this.downSince ??= now;
    const step = Math.min(this.settings.maxDelay, this.settings.initialDelay * 2 ** (this.failures - 1));
    const delay = Math.max(this.settings.initialDelay, step * (0.75 + 0.25 * this.settings.jitter(this.failures)));
    this.retryAt = now + Math.min(delay, this.settings.maxDelay);
    return { advanced: true, attempt: this.failures, retryIn: this.retryAt - now };
  }

  /** The store answered at `now`: the outage (if any) ends; its length and attempts come back. */
  succeeded(now: number): { readonly downFor: number; readonly attempts: number } | undefined {
    if (this.failures === 0) return undefined;
    const ended = { downFor: now - (this.downSince ?? now), attempts: this.failures };
    this.failures = 0;
    this.retryAt = Number.NEGATIVE_INFINITY;
    this.downSince = undefined;
    this.message = undefined;
    return ended;
  }

  /** While failing: how many rounds failed, since when, and the last error. */
  outage(): { readonly attempts: number; readonly since: number; readonly message: string } | undefined {
    if (this.failures === 0 || this.downSince === undefined) return undefined;
    return { attempts: this.failures, since: this.downSince, message: this.message ?? "" };
  }
}
