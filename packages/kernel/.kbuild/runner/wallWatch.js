/**
 * While the clock has a wall reading and cron spawns run, the runner wakes by
 * default at least this often (ms; option `wallCheckInterval`) to compare
 * the wall clock with the monotonic one. A monotonic clock stops while the
 * host is suspended and ignores wall-clock corrections, so a timer armed for
 * a cron match would fire late by the length of a suspend; this check
 * notices the jump within a second of the host waking up. Its cost is one host timer and two clock reads a second
 * (no kernel dispatch, no effect unless the wall clock moved), and only
 * while a cron spawn is running.
 */
export const WALL_CHECK_MS = 1_000;
/**
 * A change of `wall - now` larger than this (ms) between two readings is a
 * wall-clock step: the runner tells the kernel (a `tick` carrying `wall`).
 * Smaller changes are the two clocks' ordinary drift and rounding
 * (`Date.now()` counts whole ms); every command the runner sends carries
 * `wall` anyway.
 */
const WALL_STEP_MS = 10;
/**
 * The wall clock beside the monotonic one: the offset between them that
 * commands carry (as `wall`), and, while cron spawns run, the periodic check
 * that notices a wall-clock step between commands.
 */
export class WallWatch {
  wallNow;
  interval;
  programs;
  /** Whether the clock has a wall reading: then every command carries `wall`. */
  available;
  /** Wall minus monotonic time, as last sent to the kernel (in a command's `wall`). */
  offset = 0;
  /** When the wall clock was last read (monotonic): the next check is due `interval` ms later. */
  lastRead = 0;
  /** Whether cron spawns run (so the wall clock is watched); recounted after lifecycle effects. */
  watching = false;
  cronDirty = false;
  constructor(
    wallNow,
    /** Ms between checks while cron spawns run; Infinity: none. */
    interval,
    programs,
  ) {
    this.wallNow = wallNow;
    this.interval = interval;
    this.programs = programs;
    this.available = wallNow !== undefined;
  }
  /** Reads the wall clock (if any) at monotonic time `now`; a reading that is not a number is no news. */
  readAt(now) {
    if (this.wallNow === undefined) return;
    this.lastRead = now;
    const offset = this.wallNow() - now;
    if (Number.isFinite(offset)) this.offset = offset;
  }
  /** The wall time at monotonic time `at`, by the last reading. */
  at(at) {
    return this.offset + at;
  }
  /** A spawn started or stopped, or a program went: whether cron spawns run is counted again at the next arm. */
  noteLifecycle() {
    if (this.available && this.interval !== Number.POSITIVE_INFINITY) this.cronDirty = true;
  }
  /** Whether a lifecycle change is still to be counted (the timer may have to move). */
  get changed() {
    return this.cronDirty;
  }
  /** When the host timer should fire for a kernel wake at `at`: sooner when the next wall check comes first. */
  wakeFor(at) {
    if (this.cronDirty) this.recountCron();
    if (!this.watching) return at;
    const check = this.lastRead + this.interval;
    return at === null || check < at ? check : at;
  }
  /**
   * While the wall is watched, the check time moves with every clock reading: a
   * timer armed a little early is kept (it checks the wall and arms again)
   * rather than moved per command.
   */
  keepsTimer(armedAt, target) {
    return this.watching && target !== null && armedAt < target && target - armedAt <= this.interval;
  }
  /**
   * The wall check, on a timer that came before the kernel's wake: whether the
   * wall clock stepped (a suspend, a correction); then its new offset is kept
   * for the tick that tells the kernel. Compared with what the kernel was last
   * told, so that a slow drift adds up to a step too.
   */
  steppedAt(now) {
    if (!this.watching) return false;
    const offset = this.wallNow() - now;
    this.lastRead = now;
    if (!Number.isFinite(offset) || Math.abs(offset - this.offset) <= WALL_STEP_MS) return false;
    this.offset = offset;
    return true;
  }
  /** Whether a cron spawn runs: only after lifecycle effects, never per job. */
  recountCron() {
    this.cronDirty = false;
    let watch = false;
    for (const program of this.programs.values()) {
      if (program.cron !== undefined && program.running.size > 0) {
        watch = true;
        break;
      }
    }
    this.watching = watch;
  }
}
