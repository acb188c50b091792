import type { CoordinatorEffect, FireRecord, ModelStore, StoreReply, StoreRequest } from "@schedkit/kernel/fleet";
import { fleetProgramTable, intervalIn, upgradedProgram } from "./programs.js";
import { Shadow } from "./shadow.js";
import { firstDifference, normalise, sameState } from "./stateDiff.js";
import { LIVENESS_SLACK } from "./timing.js";
import type { FleetCheck, FleetTimeline, FleetViolation } from "./types.js";

type RunEffect = Extract<CoordinatorEffect, { type: "run" }>;

/**
 * The fleet's guarantees, one checker each, run at every step that could
 * break them (FoundationDB style). The first broken one ends the run.
 */
export class FleetChecks {
  readonly violations: FleetViolation[] = [];
  private readonly maxEpoch = new Map<number, number>();
  /** The session that made each shard's latest acquisition. */
  private readonly sessionOf = new Map<number, string | null>();
  /** Store time of each shard's latest release. */
  private readonly lastReleasedAt = new Map<number, number>();
  /** Store time of each release, by shard and epoch. */
  private readonly releasedAt = new Map<string, number>();
  /** Store time of each shard's latest acquisition. */
  private readonly acquiredAt = new Map<number, number>();
  private readonly shadows = new Map<number, Shadow>();
  private readonly missed = new Map<string, { from: number; to: number }[]>();
  private readonly runsOf = new Map<string, { node: string; epoch: number }[]>();
  private readonly recordedAt = new Map<string, number>();
  /** The upgraded program's last recorded fire per spawn, and the build that recorded it. */
  private readonly lastUpgraded = new Map<string, { readonly scheduledAt: number; readonly build: string }>();
  private readonly appliedCommands = new Set<string>();
  private readonly submittedCommands = new Map<string, { node: string; at: number }>();
  private readonly answeredCommands = new Set<string>();
  private readonly crashedNodes = new Set<string>();
  private duplicateFires = 0;

  constructor(
    private readonly timeline: FleetTimeline,
    private readonly store: ModelStore,
    private readonly where: () => { step: number; at: number },
  ) {}

  get broken(): boolean {
    return this.violations.length > 0;
  }

  private fail(check: FleetCheck, message: string): void {
    if (this.violations.length > 0) return;
    this.violations.push({ check, ...this.where(), message });
  }

  /** Applies a request to the store, checking what the store itself must guarantee. */
  apply(request: StoreRequest, writerBuild: string): StoreReply {
    const shard = "shard" in request ? request.shard : undefined;
    const record = shard === undefined ? undefined : this.store.shards.get(shard);
    const before = record?.lease;
    const sessionBefore = record?.session;
    const appendsBefore = this.store.stats.appends;
    const reply = this.store.apply(request);
    if (reply.type === "released" && request.type === "release") {
      this.releasedAt.set(`${request.shard}:${request.epoch}`, reply.now);
      this.lastReleasedAt.set(request.shard, reply.now);
    }
    if (reply.type === "acquired") {
      const previous = this.maxEpoch.get(reply.lease.shard) ?? 0;
      const session = this.store.shards.get(reply.lease.shard)?.session ?? null;
      // The same process life asking again keeps its epoch; any other acquisition moves it on.
      const again = reply.lease.epoch === previous && session === this.sessionOf.get(reply.lease.shard);
      this.sessionOf.set(reply.lease.shard, session);
      // "The epoch grows at every change of owner", and only then: the same process life asking
      // again while its lease is valid must keep it (else a late copy of its acquire fences it).
      if (
        request.type === "acquire" &&
        before !== undefined &&
        before.owner === request.node &&
        before.expiresAt > reply.now &&
        sessionBefore === request.session &&
        reply.lease.epoch !== before.epoch
      ) {
        this.fail(
          "epochs-increase",
          `shard ${reply.lease.shard}: ${request.node} acquired its own valid lease again and the epoch moved ${before.epoch} -> ${reply.lease.epoch} without a change of owner`,
        );
      }
      if (reply.lease.epoch <= previous && !again) {
        this.fail("epochs-increase", `shard ${reply.lease.shard}: epoch ${reply.lease.epoch} after ${previous}`);
      }
      this.maxEpoch.set(reply.lease.shard, reply.lease.epoch);
      this.acquiredAt.set(reply.lease.shard, reply.now);
    }
    const accepted =
      (request.type === "append" && reply.type === "appended") ||
      (request.type === "release" && reply.type === "released");
    if (accepted && "epoch" in request) {
      // A release by session (epoch null) is fenced by the session that holds the lease.
      const fenced =
        before !== undefined &&
        before.owner === request.node &&
        (request.epoch === null
          ? request.type === "release" && sessionBefore === request.session
          : before.epoch === request.epoch);
      if (!fenced) {
        this.fail(
          "fenced-writes",
          `shard ${shard}: the store accepted a ${request.type} from ${request.node} at epoch ${request.epoch} while the lease was ${JSON.stringify(before)}`,
        );
      }
    }
    if (this.store.stats.duplicateFireInserts > this.duplicateFires) {
      this.duplicateFires = this.store.stats.duplicateFireInserts;
      this.fail(
        "fire-recorded-once",
        `shard ${shard}: ${request.type === "append" ? request.node : "?"} tried to record a fire that was already recorded (${reply.type === "appended" ? reply.existing.join(", ") : ""})`,
      );
    }
    if (request.type === "append" && reply.type === "appended" && this.store.stats.appends > appendsBefore) {
      this.onAppended(request, writerBuild);
    }
    return reply;
  }

  private onAppended(request: Extract<StoreRequest, { type: "append" }>, writerBuild: string): void {
    const now = this.where().at;
    for (const fire of request.fires) {
      if (this.recordedAt.has(fire.fireId)) continue;
      this.recordedAt.set(fire.fireId, now);
      this.checkUpgrade(fire, writerBuild);
    }
    const checkpoint = request.checkpoint;
    let handled = checkpoint === null;
    const handleCheckpoint = () => {
      handled = true;
      if (checkpoint === null) return;
      const shadow = this.shadows.get(request.shard);
      if (shadow === undefined || shadow.build !== writerBuild) {
        // The first checkpoint, or a deploy's new program version: the shadow starts from it.
        this.shadows.set(
          request.shard,
          new Shadow(
            writerBuild,
            request.shard,
            this.timeline.shards,
            this.timeline.seed,
            this.timeline.delivery,
            checkpoint,
            this.missed,
          ),
        );
        return;
      }
      if (shadow.seq !== checkpoint.seq) {
        this.fail(
          "replay-equals-log",
          `shard ${request.shard}: checkpoint at seq ${checkpoint.seq}, log at ${shadow.seq}`,
        );
        return;
      }
      const exported = shadow.exports();
      if (sameState(exported, checkpoint.programs)) return;
      const difference = firstDifference(normalise(exported), normalise(checkpoint.programs));
      if (difference !== undefined) {
        this.fail(
          "replay-equals-log",
          `shard ${request.shard}: ${request.node}'s state at seq ${checkpoint.seq} (epoch ${request.epoch}) differs from a kernel that received the shard's log: ${difference}`,
        );
      }
    };
    for (const entry of request.entries) {
      if (!handled && checkpoint !== null && entry.seq > checkpoint.seq) handleCheckpoint();
      if (entry.commandId !== undefined) {
        if (this.appliedCommands.has(entry.commandId)) {
          this.fail("commands-once", `command ${entry.commandId} applied twice (log seq ${entry.seq})`);
        }
        this.appliedCommands.add(entry.commandId);
      }
      this.shadows.get(request.shard)?.apply(entry);
    }
    if (!handled) handleCheckpoint();
  }

  /**
   * A deploy's new spec is the one that runs: two fires of the upgraded program's spawn in a row
   * recorded by writers of one build are that build's interval apart (the first one after a
   * change of build was due under the old spec, so it only starts the count).
   */
  private checkUpgrade(fire: FireRecord, writerBuild: string): void {
    if (fire.programId !== upgradedProgram || fire.spawnId === null) return;
    const key = `${fire.programId}/${fire.spawnId}`;
    const last = this.lastUpgraded.get(key);
    this.lastUpgraded.set(key, { scheduledAt: fire.scheduledAt, build: writerBuild });
    if (last === undefined || last.build !== writerBuild || fire.scheduledAt <= last.scheduledAt) return;
    const program = fleetProgramTable().find((each) => each.id === upgradedProgram);
    if (program === undefined) return;
    const interval = intervalIn(program, Number.parseInt(writerBuild, 10));
    const gap = fire.scheduledAt - last.scheduledAt;
    if (Math.abs(gap - interval) > 0.5) {
      this.fail(
        "upgrade-takes-effect",
        `${fire.fireId}: ${gap} ms after the spawn's previous fire under build ${writerBuild}, whose ${upgradedProgram} runs every ${interval} ms`,
      );
    }
  }

  /** A job starts: its node must hold the shard's valid lease, and the fire must not run twice. Returns the attempt number. */
  ran(node: string, run: RunEffect, now: number): number {
    const lease = this.store.shards.get(run.shard)?.lease;
    if (lease === undefined || lease.owner !== node || lease.epoch !== run.epoch || lease.expiresAt <= now) {
      this.fail(
        "one-owner",
        `${node} started ${run.fireId} under epoch ${run.epoch} of shard ${run.shard}, but the store's lease is ${JSON.stringify(lease)} at ${now}`,
      );
    }
    let runs = this.runsOf.get(run.fireId);
    if (runs === undefined) {
      runs = [];
      this.runsOf.set(run.fireId, runs);
    }
    const previous = runs.at(-1);
    if (previous !== undefined) {
      if (this.timeline.delivery === "at-most-once") {
        this.fail(
          "delivery",
          `at-most-once: ${run.fireId} ran twice (${previous.node} epoch ${previous.epoch}, then ${node} epoch ${run.epoch})`,
        );
      } else if (previous.epoch >= run.epoch) {
        this.fail(
          "delivery",
          `${run.fireId} ran again without a change of owner (${previous.node} epoch ${previous.epoch}, then ${node} epoch ${run.epoch})`,
        );
      }
    }
    runs.push({ node, epoch: run.epoch });
    return runs.length;
  }

  /** The simulation stopped moving: some node wakes itself at once, forever. */
  stuck(message: string): void {
    this.fail("liveness", message);
  }

  submitted(commandId: string, node: string, at: number): void {
    this.submittedCommands.set(commandId, { node, at });
  }

  answered(commandId: string, node: string): void {
    if (this.answeredCommands.has(commandId)) this.fail("commands-once", `${node} got two answers to ${commandId}`);
    this.answeredCommands.add(commandId);
  }

  crashed(node: string): void {
    this.crashedNodes.add(node);
    for (const [commandId, submitted] of this.submittedCommands) {
      if (submitted.node === node && !this.answeredCommands.has(commandId)) this.submittedCommands.delete(commandId);
    }
  }

  booted(_node: string, _build: string): void {}

  /** After the last fault: every shard has an owner within leaseTtl + renewInterval. */
  liveness(now: number): void {
    for (let shard = 0; shard < this.timeline.shards; shard++) {
      const lease = this.store.shards.get(shard)?.lease;
      // A shard handed over this very moment is between owners, not ownerless.
      if ((this.lastReleasedAt.get(shard) ?? Number.NEGATIVE_INFINITY) >= now - 2 * LIVENESS_SLACK) continue;
      if (lease === undefined || lease.owner === null || lease.expiresAt <= now) {
        this.fail(
          "liveness",
          `shard ${shard} has no owner ${now - this.timeline.quietAt} ms after the last fault (lease ${JSON.stringify(lease)})`,
        );
        return;
      }
    }
  }

  /** A shard a stopping node released at `releasedAt` was taken by another node by `now`. */
  handedOver(shard: number, epoch: number, heardAt: number, now: number): void {
    const lease = this.store.shards.get(shard)?.lease;
    const releasedAt = this.releasedAt.get(`${shard}:${epoch}`) ?? heardAt;
    if ((this.acquiredAt.get(shard) ?? Number.NEGATIVE_INFINITY) <= releasedAt) {
      this.fail(
        "liveness",
        `shard ${shard} was released at ${releasedAt} and has no owner ${Math.round(now - releasedAt)} ms later (lease ${JSON.stringify(lease)})`,
      );
    }
  }

  /** At the end of a healed run. */
  final(now: number, walls: readonly number[]): void {
    if (this.broken) return;
    const { leaseTtl } = this.timeline;
    // Every recorded fire is completed (or, at-most-once, reported lost), but the youngest.
    const settleBy = now - (2 * leaseTtl + 4_000);
    for (const fire of this.store.fires.values()) {
      const recorded = this.recordedAt.get(fire.fireId) ?? 0;
      if (fire.completed === null && recorded < settleBy) {
        this.fail("every-fire-completed", `${fire.fireId} was recorded at ${recorded} and never completed`);
        return;
      }
    }
    // Each gridded spawn's recorded due times have no gap but missed ones.
    const intervals = new Map(
      fleetProgramTable()
        .filter((p) => p.gridded)
        .map((p) => [p.id, p.interval]),
    );
    const bySpawn = new Map<string, number[]>();
    for (const fire of this.store.fires.values()) {
      if (fire.spawnId === null || !intervals.has(fire.programId)) continue;
      const key = `${fire.programId}/${fire.spawnId}`;
      let list = bySpawn.get(key);
      if (list === undefined) {
        list = [];
        bySpawn.set(key, list);
      }
      list.push(fire.scheduledAt);
    }
    for (const [key, times] of bySpawn) {
      const interval = intervals.get(key.split("/")[0] ?? "") ?? 0;
      times.sort((a, b) => a - b);
      const ranges = this.missed.get(key) ?? [];
      for (let index = 1; index < times.length; index++) {
        const a = times[index - 1] as number;
        const b = times[index] as number;
        for (let due = a + interval; due < b - 0.5; due += interval) {
          if (!ranges.some((range) => range.from - 0.5 <= due && due <= range.to + 0.5)) {
            this.fail(
              "no-due-time-lost",
              `${key}: due time ${due} (between fires at ${a} and ${b}) was never recorded nor reported missed`,
            );
            return;
          }
        }
      }
    }
    // Each shard's kernel keeps up: its next due time is not long past.
    const wall = Math.min(...walls);
    for (const [shard, shadow] of this.shadows) {
      if (shadow.wake !== null && shadow.wake < wall - 2_000) {
        this.fail(
          "liveness",
          `shard ${shard}'s next due time ${shadow.wake} is ${wall - shadow.wake} ms overdue at the end`,
        );
        return;
      }
    }
    // Every command issued on a node that stayed up was answered.
    const commandTimeout = 2 * leaseTtl;
    for (const [commandId, submitted] of this.submittedCommands) {
      if (!this.answeredCommands.has(commandId) && submitted.at < now - commandTimeout - leaseTtl) {
        this.fail("commands-once", `${commandId} (issued on ${submitted.node} at ${submitted.at}) was never answered`);
        return;
      }
    }
  }
}
