import type { FleetCommand } from "@schedkit/kernel/fleet";
import { fleetProgramTable, tunedProgram } from "./programs.js";
import {
  type Delivery,
  type FleetEvent,
  type FleetFaultFamily,
  type FleetFaults,
  type FleetScenario,
  type FleetTimeline,
  type FleetUnsafe,
  fleetFaultFamilies,
} from "./types.js";

/** Simulated ms per step: `steps: 1000` simulates 100 s of a fleet. */
export const STEP_MS = 100;

/** mulberry32: the plan's generator (the run's own draws are keyed, see world.ts). */
const generator = (seed: number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export interface PlanOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly shards: number;
  readonly scenario: FleetScenario;
  readonly steps: number;
  readonly faults: FleetFaults;
  readonly delivery: Delivery;
  readonly leaseTtl: number;
  readonly renewInterval: number;
  readonly safetyMargin: number;
  readonly unsafe?: FleetUnsafe;
}

/** The timeline a seed stands for: programs' spawns, users' commands and faults, all explicit. */
export const planFleet = (options: PlanOptions): FleetTimeline => {
  const random = generator(options.seed ^ 0x9e3779b9);
  const between = (low: number, high: number) => Math.round(low + random() * (high - low));
  const node = () => Math.floor(random() * options.nodes);
  const span = options.steps * STEP_MS;
  const quietAt = Math.round(span * 0.7);
  const endAt = Math.max(span, quietAt + 4 * options.leaseTtl);
  const families = familiesOf(options.faults, random);
  const events: FleetEvent[] = [];
  const command = (at: number, command: FleetCommand) => events.push({ at, kind: "command", node: node(), command });

  const programs = fleetProgramTable();
  programs.forEach((program, index) => {
    const spawns = 1 + (random() < 0.3 ? 1 : 0);
    for (let n = 0; n < spawns; n++) command(20 + index * 15 + n * 5, { type: "spawn", programId: program.id });
  });
  const commandEvery = options.scenario === "commands" ? 700 : 2_500;
  for (let at = 1_000; at < endAt - options.leaseTtl; at += between(commandEvery / 2, commandEvery * 1.5)) {
    const programId = programs[Math.floor(random() * programs.length)]?.id ?? "reports";
    const pick = options.scenario === "commands" ? random() : random() * 0.4;
    if (pick < 0.4) command(at, { type: "trigger", programId });
    else if (pick < 0.55) command(at, { type: "spawn", programId });
    else if (pick < 0.7) command(at, { type: "unspawn", programId });
    else if (pick < 0.9) command(at, { type: "set-interval", programId: tunedProgram, interval: between(150, 450) });
    else if (pick < 0.94) command(at, { type: "kill-all", programId });
    else if (pick < 0.95) command(at, { type: "clear", programId });
    else command(at, { type: "spawn", programId });
  }

  const ttl = options.leaseTtl;
  const count = (every: number) => Math.max(1, Math.round(quietAt / every));
  const when = () => between(500, quietAt);
  if (families.includes("skew")) {
    for (let index = 0; index < options.nodes; index++) {
      events.push({ at: 0, kind: "skew", node: index, skew: between(-400, 400), drift: (random() - 0.5) * 0.004 });
    }
    for (let n = count(15_000); n > 0; n--) {
      events.push({
        at: when(),
        kind: "skew",
        node: node(),
        skew: between(-800, 800),
        drift: (random() - 0.5) * 0.004,
      });
    }
  }
  if (families.includes("pauses")) {
    for (let n = count(6_000); n > 0; n--) {
      const long = random() < 0.5;
      events.push({
        at: when(),
        kind: "pause",
        node: node(),
        duration: long ? between(1.2 * ttl, 3 * ttl) : between(50, 800),
      });
    }
  }
  if (families.includes("crashes")) {
    for (let n = count(10_000); n > 0; n--) {
      events.push({ at: when(), kind: "crash", node: node(), downFor: between(0, 2 * ttl) });
    }
  }
  if (families.includes("restarts")) {
    for (let n = count(12_000); n > 0; n--) {
      events.push({ at: when(), kind: "restart", node: node(), downFor: between(0, 2 * ttl) });
    }
  }
  if (families.includes("partitions")) {
    for (let n = count(8_000); n > 0; n--) {
      events.push({ at: when(), kind: "partition", node: node(), duration: between(200, 2.5 * ttl) });
    }
  }
  if (families.includes("slowStore")) {
    for (let n = count(15_000); n > 0; n--) {
      // Half are short spikes, half a sustained slowness past the coordinators' request timeout.
      const sustained = random() < 0.5;
      events.push(
        sustained
          ? { at: when(), kind: "slow-store", duration: between(ttl, 3 * ttl), factor: between(40, 100) }
          : { at: when(), kind: "slow-store", duration: between(500, 3_000), factor: between(5, 40) },
      );
    }
  }
  if (families.includes("lostAcks")) {
    for (let n = count(8_000); n > 0; n--) {
      events.push({
        at: when(),
        kind: "lost-acks",
        node: node(),
        duration: between(500, 4_000),
        rate: 0.2 + random() * 0.4,
      });
    }
  }
  if (families.includes("deploys")) {
    // A canary (a changed program under the fleet's current version) comes and goes before the
    // rolling deploy: two builds claiming one version would rightly keep shards off both for good.
    const gap = between(500, Math.max(600, (quietAt * 0.5) / options.nodes));
    const deployAt = between(quietAt * 0.3, quietAt * 0.4);
    const canaryAt = between(quietAt * 0.02, quietAt * 0.2);
    const canaryFor = Math.min(between(2 * ttl, 6 * ttl), deployAt - canaryAt - 1_000);
    if (canaryFor > 0) events.push({ at: canaryAt, kind: "canary", node: node(), duration: canaryFor });
    events.push({ at: deployAt, kind: "deploy", version: 2, gap });
  }
  // Faults end by `quietAt`: a long one is cut there, so the fleet can heal.
  const bounded = events.map((event) => cutAt(event, quietAt));
  bounded.sort((a, b) => a.at - b.at);
  return {
    kind: "fleet",
    version: 1,
    seed: options.seed,
    nodes: options.nodes,
    shards: options.shards,
    scenario: options.scenario,
    delivery: options.delivery,
    leaseTtl: options.leaseTtl,
    renewInterval: options.renewInterval,
    safetyMargin: options.safetyMargin,
    quietAt,
    endAt,
    families,
    events: bounded,
    ...(options.unsafe === undefined ? {} : { unsafe: options.unsafe }),
  };
};

const cutAt = (event: FleetEvent, quietAt: number): FleetEvent => {
  switch (event.kind) {
    case "pause":
    case "canary":
    case "partition":
    case "slow-store":
    case "lost-acks":
      return { ...event, duration: Math.max(1, Math.min(event.duration, quietAt - event.at)) };
    case "crash":
    case "restart":
      return { ...event, downFor: Math.max(0, Math.min(event.downFor, quietAt - event.at)) };
    default:
      return event;
  }
};

const familiesOf = (faults: FleetFaults, random: () => number): FleetFaultFamily[] => {
  if (faults === "none") return [];
  if (faults !== "swarm") return [...faults];
  const on = fleetFaultFamilies.filter(() => random() < 0.6);
  if (on.length === 0) on.push(fleetFaultFamilies[Math.floor(random() * fleetFaultFamilies.length)] ?? "pauses");
  return on;
};
