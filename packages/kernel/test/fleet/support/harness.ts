import {
  type Coordinator,
  type CoordinatorCommandBody,
  type CoordinatorEffect,
  type CoordinatorOptions,
  createCoordinator,
  createModelStore,
  type ModelStore,
  type StoreReply,
  type StoreRequest,
} from "../../../src/fleet/index.js";
import type { Outcome, ProgramSpec } from "../../../src/index.js";

/** 2026-01-01T00:00:00.000Z: every node's wall clock at fleet time 0 (plus its own offset). */
export const WALL0 = Date.UTC(2026, 0, 1);

/** Round numbers for tests: a renewal every 3 s, a lease of 10 s, 1 s of margin, 1 s request timeout. */
export const TEST_OPTIONS = {
  shards: 4,
  leaseTtl: 10_000,
  renewInterval: 3_000,
  safetyMargin: 1_000,
  requestTimeout: 1_000,
} as const;

export type RunEffect = Extract<CoordinatorEffect, { type: "run" }>;
export type EffectOf<T extends CoordinatorEffect["type"]> = Extract<CoordinatorEffect, { type: T }>;

/**
 * What happens to one store request: delivered and answered at once, applied but its
 * reply lost (`drop`), answered `delay` ms later, or never reaching the store (`lose`).
 */
export type Fate = "deliver" | "drop" | "lose" | { readonly delay: number };

/** One effect a node emitted, at fleet time `at`. */
export interface Seen<E extends CoordinatorEffect = CoordinatorEffect> {
  readonly at: number;
  readonly effect: E;
}

/** One request that reached the store, with the store's reply (whether or not it was delivered). */
export interface Exchange {
  readonly node: string;
  readonly at: number;
  readonly requestId: string;
  readonly request: StoreRequest;
  readonly reply: StoreReply;
  readonly fate: Fate;
}

interface Input {
  readonly due: number;
  readonly seq: number;
  readonly body: CoordinatorCommandBody;
}

export interface NodeSetup extends Partial<CoordinatorOptions> {
  readonly nodeId: string;
  readonly programs: readonly ProgramSpec[];
  /** The node's monotonic clock reads fleet time + this. */
  readonly monoOffset?: number;
  /** The node's wall clock reads WALL0 + fleet time + this. */
  readonly wallOffset?: number;
  /** `manual`: run effects wait for `fleet.finish`; `auto` (default): mainFn is called and its result reported. */
  readonly jobs?: "auto" | "manual";
  /** How long an auto job takes, ms (default 0). */
  readonly jobDuration?: number;
}

/** One node: a coordinator and what the harness does for it. */
export class FleetNode {
  coordinator: Coordinator;
  readonly setup: NodeSetup;
  readonly id: string;
  readonly programs: readonly ProgramSpec[];
  readonly monoOffset: number;
  readonly wallOffset: number;
  jobs: "auto" | "manual";
  jobDuration: number;
  /** Fleet time of the next tick the coordinator asked for. */
  wakeAt: number;
  /** A paused process handles nothing: what reaches it waits, in order, until it is resumed. */
  paused = false;
  /** A dead node: nothing reaches it, nothing it sends arrives. */
  dead = false;
  /** Decides each request's fate (default: delivered). */
  fate: (request: StoreRequest, requestId: string) => Fate = () => "deliver";
  /** Every effect but `wake`, in order. */
  readonly seen: Seen[] = [];
  /**
   * Jobs handed to the host and not yet reported done or cancelled, by `jobKey` (job ids are
   * each shard kernel's own: two shards both have a "job-1").
   */
  readonly running = new Map<string, RunEffect>();
  inputs: Input[] = [];

  constructor(
    setup: NodeSetup,
    readonly fleet: Fleet,
  ) {
    this.setup = setup;
    this.id = setup.nodeId;
    this.programs = setup.programs;
    this.monoOffset = setup.monoOffset ?? 0;
    this.wallOffset = setup.wallOffset ?? 0;
    this.jobs = setup.jobs ?? "auto";
    this.jobDuration = setup.jobDuration ?? 0;
    this.coordinator = createCoordinator(coordinatorOptions(setup));
    this.wakeAt = fleet.time;
  }

  /** Effects of one type, with the fleet time each came at. */
  effects<T extends CoordinatorEffect["type"]>(type: T): Seen<EffectOf<T>>[] {
    return this.seen.filter((seen): seen is Seen<EffectOf<T>> => seen.effect.type === type);
  }

  /** The `run` effects emitted, in order. */
  runs(): RunEffect[] {
    return this.effects("run").map((seen) => seen.effect);
  }

  heldShards(): number[] {
    return this.coordinator
      .held()
      .map((held) => held.shard)
      .sort((a, b) => a - b);
  }

  mono(): number {
    return this.fleet.time + this.monoOffset;
  }

  wall(): number {
    return WALL0 + this.fleet.time + this.wallOffset;
  }
}

const coordinatorOptions = (setup: NodeSetup): CoordinatorOptions => {
  const { monoOffset: _m, wallOffset: _w, jobs: _j, jobDuration: _d, ...options } = setup;
  return { ...TEST_OPTIONS, ...options };
};

/** At most this many dispatches at one fleet time before the harness calls it a livelock. */
const STUCK = 10_000;

/**
 * A synchronous fleet: nodes' coordinators, one model store, and one fake clock (fleet
 * time, ms). Each `store` effect is applied to the store when it is emitted and its reply
 * fed back as `store-reply` (per the node's `fate`); `run` effects' jobs are run (or held,
 * for manual nodes) and reported with `job-done`; a node is ticked at its `wake`.
 */
export class Fleet {
  time = 0;
  /** The store's clock reads fleet time + this. */
  storeOffset = 0;
  readonly store: ModelStore;
  readonly nodes = new Map<string, FleetNode>();
  readonly exchanges: Exchange[] = [];
  private inputSeq = 0;

  constructor(options: { readonly unsafeSkipEpochCheck?: boolean } = {}) {
    this.store = createModelStore({ clock: () => this.time + this.storeOffset, ...options });
  }

  add(setup: NodeSetup): FleetNode {
    if (this.nodes.has(setup.nodeId)) throw new Error(`node ${setup.nodeId} exists`);
    const node = new FleetNode(setup, this);
    this.nodes.set(node.id, node);
    return node;
  }

  /** A crashed node comes back as a fresh process (same id, maybe new programs): nothing of the old one is left. */
  private restarts = 0;

  restart(node: FleetNode, setup: Partial<NodeSetup> = {}): FleetNode {
    // A restarted process is a new session: its old leases come back with new epochs.
    this.restarts += 1;
    const session = setup.session ?? `${node.id}#restart-${this.restarts}`;
    const fresh = new FleetNode({ ...node.setup, ...setup, nodeId: node.id, session }, this);
    this.nodes.set(node.id, fresh);
    return fresh;
  }

  node(id: string): FleetNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** Dispatches a command to a node now and handles its effects; returns them. */
  dispatch(node: FleetNode, body: CoordinatorCommandBody): readonly CoordinatorEffect[] {
    const effects = node.coordinator.dispatch({ ...body, at: node.mono(), wall: node.wall() } as never);
    this.handle(node, effects);
    return effects;
  }

  /** Queues a command for a node at `time + delay` (delivered in order with its replies). */
  send(node: FleetNode, body: CoordinatorCommandBody, delay = 0): void {
    if (node.dead) return;
    this.inputSeq += 1;
    node.inputs.push({ due: this.time + delay, seq: this.inputSeq, body });
  }

  /** A manual job ends: its `job-done` reaches the node now (queued, in order). */
  finish(node: FleetNode, job: RunEffect, outcome: Outcome = { ok: true }): void {
    const key = jobKey(job);
    if (!node.running.has(key)) throw new Error(`job ${key} is not running on ${node.id}`);
    node.running.delete(key);
    this.send(node, { type: "job-done", shard: job.shard, epoch: job.epoch, jobId: job.jobId, outcome });
  }

  /** The node stops for good: what was queued for it is gone and nothing reaches it again. */
  kill(node: FleetNode): void {
    node.dead = true;
    node.inputs = [];
    node.running.clear();
  }

  /** Time passes and nothing happens anywhere: no delivery, no tick (a frozen host). */
  skip(ms: number): void {
    this.time += ms;
  }

  /** Processes every event up to and including fleet time `until`, then sets the clock to it. */
  runUntil(until: number): void {
    let stuck = 0;
    for (;;) {
      const next = this.nextEvent();
      if (next === undefined || Math.max(next.due, this.time) > until) break;
      if (next.due > this.time) {
        this.time = next.due;
        stuck = 0;
      }
      stuck += 1;
      if (stuck > STUCK) throw new Error(`livelock: ${STUCK} dispatches at fleet time ${this.time}`);
      this.deliver(next.node);
    }
    this.time = Math.max(this.time, until);
  }

  runFor(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /** Processes what is due now. */
  settle(): void {
    this.runUntil(this.time);
  }

  /** Runs until `predicate` holds (checked after every event), or throws after `limit` ms. */
  runUntilTrue(predicate: () => boolean, limit = 120_000): void {
    const end = this.time + limit;
    let stuck = 0;
    while (!predicate()) {
      const next = this.nextEvent();
      if (next === undefined || Math.max(next.due, this.time) > end) {
        throw new Error(`condition not met by fleet time ${end}`);
      }
      if (next.due > this.time) {
        this.time = next.due;
        stuck = 0;
      }
      stuck += 1;
      if (stuck > STUCK) throw new Error(`livelock: ${STUCK} dispatches at fleet time ${this.time}`);
      this.deliver(next.node);
    }
  }

  private nextEvent(): { readonly node: FleetNode; readonly due: number } | undefined {
    let best: { node: FleetNode; due: number } | undefined;
    for (const node of this.nodes.values()) {
      if (node.paused || node.dead) continue;
      let due = node.wakeAt;
      for (const input of node.inputs) if (input.due < due) due = input.due;
      if (due === Number.POSITIVE_INFINITY) continue;
      if (best === undefined || due < best.due) best = { node, due };
    }
    return best;
  }

  /** One event of a node: its earliest due input, else its tick. */
  private deliver(node: FleetNode): void {
    let first: Input | undefined;
    for (const input of node.inputs) {
      if (
        input.due <= this.time &&
        (first === undefined || input.due < first.due || (input.due === first.due && input.seq < first.seq))
      ) {
        first = input;
      }
    }
    if (first !== undefined) {
      const chosen = first;
      node.inputs = node.inputs.filter((input) => input !== chosen);
      this.dispatch(node, chosen.body);
      return;
    }
    this.dispatch(node, { type: "tick" });
  }

  private handle(node: FleetNode, effects: readonly CoordinatorEffect[]): void {
    for (const effect of effects) {
      if (effect.type !== "wake") node.seen.push({ at: this.time, effect });
      switch (effect.type) {
        case "store": {
          const fate = node.dead ? "lose" : node.fate(effect.request, effect.requestId);
          if (fate === "lose") break;
          const reply = this.store.apply(effect.request);
          this.exchanges.push({
            node: node.id,
            at: this.time,
            requestId: effect.requestId,
            request: effect.request,
            reply,
            fate,
          });
          if (fate === "drop") break;
          this.send(
            node,
            { type: "store-reply", requestId: effect.requestId, reply },
            fate === "deliver" ? 0 : fate.delay,
          );
          break;
        }
        case "run": {
          node.running.set(jobKey(effect), effect);
          if (node.jobs === "manual") break;
          const outcome = this.outcomeOf(node, effect);
          if (outcome === undefined) break;
          node.running.delete(jobKey(effect));
          this.send(
            node,
            { type: "job-done", shard: effect.shard, epoch: effect.epoch, jobId: effect.jobId, outcome },
            node.jobDuration,
          );
          break;
        }
        case "cancel": {
          node.running.delete(jobKey(effect));
          node.inputs = node.inputs.filter(
            (input) =>
              !(
                input.body.type === "job-done" &&
                input.body.jobId === effect.jobId &&
                input.body.shard === effect.shard &&
                input.body.epoch === effect.epoch
              ),
          );
          break;
        }
        case "wake":
          node.wakeAt = effect.at - node.monoOffset;
          break;
        default:
          break;
      }
    }
  }

  /** Calls the program's mainFn as a runner would; `undefined` when it returns a thenable (left running). */
  private outcomeOf(node: FleetNode, run: RunEffect): Outcome | undefined {
    const spec = node.programs.find((program) => program.id === run.programId);
    if (spec === undefined) return { ok: false, error: { message: `no program ${run.programId}` } };
    try {
      const value = spec.mainFn(run.args, run.scheduledAt, {
        signal: new AbortController().signal,
        jobId: run.jobId,
        fireId: run.fireId,
        spawnId: run.spawnId,
        programId: run.programId,
      }) as unknown;
      if (typeof (value as { then?: unknown } | null)?.then === "function") return undefined;
      return value === undefined ? { ok: true } : { ok: true, value };
    } catch (error) {
      return { ok: false, error };
    }
  }
}

/** A job's key on its node: shard, epoch and the shard kernel's job id. */
export const jobKey = (job: { readonly shard: number; readonly epoch: number; readonly jobId: string }): string =>
  `${job.shard}/${job.epoch}/${job.jobId}`;

/** Ids of the fires the store holds for a program, sorted. */
export const storedFireIds = (fleet: Fleet, programId?: string): string[] =>
  [...fleet.store.fires.values()]
    .filter((fire) => programId === undefined || fire.programId === programId)
    .map((fire) => fire.fireId)
    .sort();

/** A shard's log as the store keeps it (every entry ever appended). */
export const storedLog = (fleet: Fleet, shard: number) => fleet.store.shards.get(shard)?.log ?? [];

/** A constant program: a job every `interval` ms from its spawn, returning `value`. */
export const constant = (id: string, interval = 1_000, extra: Partial<ProgramSpec> = {}): ProgramSpec => ({
  id,
  type: "constant",
  interval,
  mainFn: () => `${id}-done`,
  ...extra,
});

/** One constant program per shard of a 4-shard fleet: "a" is on shard 0, "b" 1, "c" 2, "d" 3. */
export const perShard = (interval = 1_000): ProgramSpec[] => ["a", "b", "c", "d"].map((id) => constant(id, interval));

/** The program of `perShard` that lives on `shard`. */
export const programOnShard = (shard: number): string => ["a", "b", "c", "d"][shard] as string;

/** Submits a command on `node` (it travels through the store to the owner). */
export const submit = (
  fleet: Fleet,
  node: FleetNode,
  commandId: string,
  command: Extract<CoordinatorCommandBody, { type: "submit" }>["command"],
): void => fleet.send(node, { type: "submit", commandId, command });

/** The answers `node` reported for `commandId`. */
export const answersTo = (node: FleetNode, commandId: string) =>
  node
    .effects("answer")
    .filter((seen) => seen.effect.commandId === commandId)
    .map((seen) => seen.effect.answer);
