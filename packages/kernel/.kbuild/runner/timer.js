/**
 * One re-armable host timer: armed at one time at most, and a callback of a
 * timer since cancelled or replaced is ignored. It may fire early (a host
 * timer waits at most `MAX_TIMER_MS`): the owner checks the time and arms again.
 */
export class HostTimer {
  clock;
  onFire;
  armed = null;
  constructor(clock, onFire) {
    this.clock = clock;
    this.onFire = onFire;
  }
  /** When it is armed to fire; null when it is not armed. */
  get at() {
    return this.armed === null ? null : this.armed.at;
  }
  set(at) {
    this.clear();
    const timer = { handle: undefined, at };
    this.armed = timer;
    timer.handle = this.clock.wakeAt(() => this.fire(timer), at);
  }
  clear() {
    if (this.armed === null) return;
    this.clock.cancelWake(this.armed.handle);
    this.armed = null;
  }
  fire(timer) {
    if (this.armed !== timer) return;
    this.armed = null;
    this.onFire();
  }
}
/** Calls back once the clock reaches `at`: a host timer takes at most ~24.8 days, so a longer wait is armed again. */
export const wakeAtDeadline = (clock, at, callback) => {
  let handle;
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
