import { SchedkitError } from "@schedkit/kernel";
import { type FleetEventKind, type FleetTimeline, fleetFaultFamilies, fleetScenarioNames } from "./types.js";

// A Record over the event kinds, so a kind added to `FleetEvent` without a line here fails to compile.
const eventKindNames: Record<FleetEventKind, true> = {
  pause: true,
  crash: true,
  restart: true,
  skew: true,
  partition: true,
  "slow-store": true,
  "lost-acks": true,
  deploy: true,
  canary: true,
  command: true,
};
const eventKinds = new Set<string>(Object.keys(eventKindNames));

/** The longest run a file may ask for: 28 simulated hours (a replay of more would not end in a CI's time). */
const MAX_END_AT = 100_000_000;

const bad = (field: string, message: string): never => {
  throw new SchedkitError("invalid-options", `timeline.${field}: ${message}`, { field: `timeline.${field}` });
};

const finite = (value: unknown, field: string): number =>
  typeof value === "number" && Number.isFinite(value)
    ? value
    : bad(field, `expected a finite number, got ${JSON.stringify(value)}`);

/**
 * A fleet timeline read from a file, checked before it runs: a hand-edited or
 * truncated file gives a coded error naming the field, not a wrong run.
 * @since 0.1.0
 */
export const decodeFleetTimeline = (input: unknown): FleetTimeline => {
  if (typeof input !== "object" || input === null) return bad("", "expected an object");
  const timeline = input as Record<string, unknown>;
  if (timeline.kind !== "fleet") bad("kind", `expected "fleet", got ${JSON.stringify(timeline.kind)}`);
  if (timeline.version !== 1) bad("version", `expected 1, got ${JSON.stringify(timeline.version)}`);
  for (const field of ["seed", "nodes", "shards", "leaseTtl", "renewInterval", "safetyMargin", "quietAt", "endAt"]) {
    finite(timeline[field], field);
  }
  if ((timeline.endAt as number) < 0 || (timeline.endAt as number) > MAX_END_AT) {
    bad("endAt", `expected a time from 0 to ${MAX_END_AT} ms`);
  }
  if ((timeline.quietAt as number) > (timeline.endAt as number)) bad("quietAt", "expected a time no later than endAt");
  if (!Number.isInteger(timeline.nodes) || (timeline.nodes as number) < 1) bad("nodes", "expected a positive integer");
  if (!Number.isInteger(timeline.shards) || (timeline.shards as number) < 1)
    bad("shards", "expected a positive integer");
  if (!(fleetScenarioNames as readonly unknown[]).includes(timeline.scenario)) {
    bad("scenario", `expected one of ${fleetScenarioNames.join(", ")}`);
  }
  if (timeline.delivery !== "at-least-once" && timeline.delivery !== "at-most-once") {
    bad("delivery", 'expected "at-least-once" or "at-most-once"');
  }
  if (
    !Array.isArray(timeline.families) ||
    !timeline.families.every((f) => (fleetFaultFamilies as readonly unknown[]).includes(f))
  ) {
    bad("families", `expected a list of ${fleetFaultFamilies.join(", ")}`);
  }
  if (!Array.isArray(timeline.events)) return bad("events", "expected a list");
  timeline.events.forEach((event: unknown, index: number) => {
    const field = `events[${index}]`;
    if (typeof event !== "object" || event === null) bad(field, "expected an object");
    const record = event as Record<string, unknown>;
    if (!eventKinds.has(record.kind as string))
      bad(`${field}.kind`, `unknown event kind ${JSON.stringify(record.kind)}`);
    finite(record.at, `${field}.at`);
    if ("node" in record) {
      const node = record.node;
      if (!Number.isInteger(node) || (node as number) < 0 || (node as number) >= (timeline.nodes as number)) {
        bad(`${field}.node`, `expected a node index below ${String(timeline.nodes)}`);
      }
    }
    for (const key of ["duration", "downFor", "skew", "drift", "factor", "rate", "version", "gap"]) {
      if (key in record) finite(record[key], `${field}.${key}`);
    }
    if (record.kind === "command" && (typeof record.command !== "object" || record.command === null)) {
      bad(`${field}.command`, "expected a fleet command");
    }
  });
  return input as FleetTimeline;
};
