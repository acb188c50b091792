import type { SimCommand, SimEffect } from "../model/spec18.js";
import { JitterBounds } from "./jitterBounds.js";
import { MaxRuns } from "./maxRuns.js";
import { MissedOnce } from "./missedOnce.js";
import { OverlapSingleFlight } from "./overlapSingleFlight.js";
import { PausedStartsNothing } from "./pausedStartsNothing.js";
import { SkippedOnce } from "./skippedOnce.js";
import { SpawnConfigs } from "./spawnConfig.js";
import type { Verify } from "./verify.js";
import { WithinDates } from "./withinDates.js";
import { WithinWindow } from "./withinWindow.js";

/**
 * Spec 18's guarantees, one checker each (`overlap-skip-single-flight`,
 * `paused-starts-nothing`, `within-dates`, `max-runs`, `skipped-once`, `missed-once`, `jitter-bounds`, `within-window`), fed every
 * dispatch's command and effects. They know nothing of the kernel or the model: what a
 * spawn was told comes from the commands the kernel accepted.
 */
export class Spec18Checks {
  private readonly configs = new SpawnConfigs();
  private readonly overlap: OverlapSingleFlight;
  private readonly paused: PausedStartsNothing;
  private readonly dates: WithinDates;
  private readonly maxRuns: MaxRuns;
  private readonly skipped: SkippedOnce;
  private readonly missed: MissedOnce;
  private readonly jitter: JitterBounds;
  private readonly window: WithinWindow;

  constructor(verify: Verify) {
    this.overlap = new OverlapSingleFlight(verify, this.configs);
    this.paused = new PausedStartsNothing(verify);
    this.dates = new WithinDates(verify, this.configs);
    this.maxRuns = new MaxRuns(verify, this.configs);
    this.skipped = new SkippedOnce(verify);
    this.missed = new MissedOnce(verify);
    this.jitter = new JitterBounds(verify, this.configs);
    this.window = new WithinWindow(verify);
  }

  /** One dispatch: its command and its effects, in order. */
  dispatched(command: SimCommand, effects: readonly SimEffect[]): void {
    this.missed.command(command);
    for (const effect of effects) {
      this.configs.effect(command, effect);
      this.overlap.effect(effect);
      this.paused.effect(effect);
      this.dates.effect(effect);
      this.maxRuns.effect(effect);
      this.skipped.effect(effect);
      this.missed.effect(effect);
    }
    this.paused.dispatched(command, effects);
    this.jitter.dispatched(command, effects);
    this.window.dispatched(command, effects);
  }
}
