import type { SimEffect } from "../model/spec18.js";
import type { SpawnConfigs } from "./spawnConfig.js";
import type { Verify } from "./verify.js";

export const WITHIN_DATES = "within-dates";

/**
 * `within-dates`: no `run` of a spawn starts before its `startAt`, nor at or after its
 * `endAt` (the spawn's options', else its program's, as the commands gave them). Due
 * times follow: a job's due time is never after its start.
 */
export class WithinDates {
  constructor(
    private readonly verify: Verify,
    private readonly configs: SpawnConfigs,
  ) {}

  effect(effect: SimEffect): void {
    if (effect.type !== "run" || effect.spawnId === null) return;
    const limits = this.configs.of(effect.programId, effect.spawnId);
    if (limits === undefined) return;
    const { startAt, endAt } = limits;
    // Most spawns have neither date: no message text is made for them, once per job.
    if (startAt === undefined && endAt === undefined) return;
    const where = () =>
      `spawn ${effect.programId}/${effect.spawnId} started ${effect.jobId} (due ${effect.scheduledAt}) at ${effect.startedAt}`;
    if (startAt !== undefined) {
      this.verify(WITHIN_DATES, effect.startedAt >= startAt, () => `${where()}, before its startAt ${startAt}`);
    }
    if (endAt !== undefined) {
      this.verify(WITHIN_DATES, effect.startedAt < endAt, () => `${where()}, at or after its endAt ${endAt}`);
    }
  }
}
