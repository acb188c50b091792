import type { HostClock } from "./clock.js";

/**
 * One re-armable host timer: armed at one time at most, and a callback of a
 * timer since cancelled or replaced is ignored. It may fire early (a host
 * timer waits at most `MAX_TIMER_MS`): the owner checks the time and arms again.
 */
export class HostTimer {
  private armed: { handle: unknown; readonly at: number } | null = null;

  constructor(
    private readonly clock: HostClock,
    private readonly onFire: () => void,
  ) {}

  /** When it is armed to fire; null when it is not armed. */
  get at(): number | null {
    return this.armed === null ? null : this.armed.at;
  }

  set(at: number): void {
    this.clear();
    const timer: { handle: unknown; at: number } = { handle: undefined, at };
    this.armed = timer;
    timer.handle = this.clock.wakeAt(() => this.fire(timer), at);
  }

  clear(): void {
    if (this.armed === null) return;
    this.clock.cancelWake(this.armed.handle);
    this.armed = null;
  }

  private fire(timer: { readonly at: number }): void {
    if (this.armed !== timer) return;
    this.armed = null;
    this.onFire();
  }
}

/** A one-shot wake at a deadline of any length, from `wakeAtDeadline`. */
export interface Deadline {
  cancel(): void;
}

/** Calls back once the clock reaches `at`: a host timer takes at most ~24.8 days, so a longer wait is armed again. */
export const wakeAtDeadline = (clock: HostClock, at: number, callback: () => void): Deadline => {
  let handle: unknown;
  const wait = () => {
    handle = clock.wakeAt(() => {
      if (clock.now() < at) wait();
      else callback();
    }, at);
  };
  wait();
  return {
    cancel: () => {
      if (handle !== undefined) clock.cancelWake(handle);
    },
  };
};
