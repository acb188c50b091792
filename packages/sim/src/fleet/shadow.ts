import { createKernel, type Kernel, type KernelEffect } from "@schedkit/kernel";
import { type LogEntry, type StoreRequest, shardOf } from "@schedkit/kernel/fleet";
import { fleetKernelOptions, fleetSpecs } from "./programs.js";
import type { FleetTimeline } from "./types.js";

/**
 * A single kernel per shard that receives every command the store accepted
 * into the shard's log, from the first checkpoint on: "a single kernel that
 * received the same commands". Independent of the coordinator's replay: it
 * never restores from a later checkpoint, it compares against them.
 */
export class Shadow {
  readonly kernel: Kernel;
  readonly byFire = new Map<string, string>();
  seq: number;
  wake: number | null = null;
  spawnsRunning = 0;

  private readonly programIds: string[];

  constructor(
    readonly build: string,
    shard: number,
    shards: number,
    seed: number,
    delivery: FleetTimeline["delivery"],
    checkpoint: NonNullable<Extract<StoreRequest, { type: "append" }>["checkpoint"]>,
    private readonly missed: Map<string, { from: number; to: number }[]>,
  ) {
    this.kernel = createKernel(fleetKernelOptions(seed));
    this.seq = checkpoint.seq;
    const programs = new Set(Object.keys(checkpoint.programs));
    const specs = fleetSpecs(Number.parseInt(build, 10), delivery, build.endsWith("-canary")).filter(
      (spec) => shardOf(spec.id, shards) === shard,
    );
    this.programIds = specs.map((spec) => spec.id);
    const removed = new Set(checkpoint.removed);
    for (const spec of specs) {
      if (!removed.has(spec.id)) this.kernel.dispatch({ type: "install", at: checkpoint.at, program: spec });
    }
    for (const [programId, exported] of Object.entries(checkpoint.programs)) {
      if (!programs.has(programId)) continue;
      this.observe(this.kernel.dispatch({ type: "adopt", at: checkpoint.at, export: exported as never }));
    }
  }

  apply(entry: LogEntry): void {
    this.seq = entry.seq;
    const { command, at } = entry;
    let effects: readonly KernelEffect[];
    if (command.type === "tick") effects = this.kernel.dispatch({ type: "tick", at });
    else if (command.type === "complete") {
      const jobId = this.byFire.get(command.fireId);
      if (jobId === undefined) return;
      effects = this.kernel.dispatch({ type: "complete", at, jobId, outcome: command.outcome });
    } else if (command.type === "trigger") {
      effects = this.kernel.dispatch({ ...command, at, fireId: `${command.programId}/trigger/${entry.seq}` });
    } else effects = this.kernel.dispatch({ ...command, at } as never);
    this.observe(effects);
  }

  private observe(effects: readonly KernelEffect[]): void {
    for (const effect of effects) {
      if (effect.type === "run") this.byFire.set(effect.fireId, effect.jobId);
      else if (effect.type === "adopted") for (const job of effect.jobs) this.byFire.set(job.fireId, job.jobId);
      else if (effect.type === "settled" || effect.type === "cancel") this.byFire.delete(effect.fireId);
      else if (effect.type === "wake") this.wake = effect.at;
      else if (effect.type === "missed") {
        const key = `${effect.programId}/${effect.spawnId}`;
        let ranges = this.missed.get(key);
        if (ranges === undefined) {
          ranges = [];
          this.missed.set(key, ranges);
        }
        ranges.push({ from: effect.from, to: effect.to });
      }
    }
  }

  exports(): Record<string, unknown> {
    const programs: Record<string, unknown> = {};
    for (const programId of this.programIds) {
      const exported = this.kernel.exportProgram(programId);
      if (exported !== undefined) programs[programId] = exported;
    }
    return programs;
  }
}
