/**
 * Spec 18's commands in the mix: spawns with options, pauses and resumes (short ones, and
 * ones longer than the catch-up window), backfills, and the new malformed commands; each
 * only when its feature is on. Drawn first, then fitted to the drawn programs as timeline events.
 */
import fc from "fast-check";
import {
  type ProgramDescriptor,
  type SpawnOptsDescriptor,
  type Spec18BadCommand,
  spec18BadCommands,
  type TimelineEvent,
} from "../../types.js";
import type { Spec18Features } from "../features.js";
import { spawnOptsArb } from "./spawnOpts.js";
import { maybe, overlapArb } from "./spec18Draws.js";

export type Spec18Event =
  | { readonly kind: "spawn"; readonly at: number; readonly programId: string; readonly opts: SpawnOptsDescriptor }
  | {
      readonly kind: "pause";
      readonly at: number;
      readonly programId: string;
      readonly pick: number | undefined;
      readonly note: string | undefined;
      /** The resume that ends it, this many ms later (undefined: a pause left on, or a resume alone). */
      readonly length: number | undefined;
      readonly resumeOnly: boolean;
    }
  | { readonly kind: "bad"; readonly at: number; readonly programId: string; readonly bad: Spec18BadCommand }
  | {
      readonly kind: "backfill";
      readonly at: number;
      readonly programId: string;
      readonly ago: number;
      readonly span: number;
      readonly overlap: SpawnOptsDescriptor["overlap"];
    };

export const spec18EventsArb = (
  features: Spec18Features,
  steps: number,
  horizon: number,
  id: fc.Arbitrary<string>,
): fc.Arbitrary<readonly Spec18Event[]> => {
  const when = fc.integer({ min: 1, max: Math.max(1, Math.floor(horizon)) });
  const limitsOn = features.overlap || features.maxRuns || features.startAt || features.endAt || features.jitter;
  const options: { weight: number; arbitrary: fc.Arbitrary<Spec18Event> }[] = [];
  if (limitsOn) {
    const opts = spawnOptsArb(features, horizon);
    options.push({
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant("spawn" as const), at: when, programId: id, opts }),
    });
  }
  if (features.pause) {
    options.push({
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("pause" as const),
        at: when,
        programId: id,
        pick: fc.option(fc.nat({ max: 10 }), { nil: undefined }),
        note: fc.option(fc.constantFrom("deploy", "maintenance", "", "quota exceeded"), { nil: undefined }),
        // Short pauses, and ones longer than a catch-up window (up to 2 s in the mix).
        length: maybe(true, fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 500, max: 8_000 })), 8),
        resumeOnly: fc.constant(false),
      }),
    });
    options.push({
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("pause" as const),
        at: when,
        programId: id,
        pick: fc.option(fc.nat({ max: 10 }), { nil: undefined }),
        note: fc.constant(undefined),
        length: fc.constant(undefined),
        resumeOnly: fc.constant(true),
      }),
    });
  }
  if (features.backfill) {
    options.push({
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("backfill" as const),
        at: when,
        programId: id,
        // Sometimes in the future (refused), sometimes over more due times than the buffer allows.
        ago: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 0, max: 500 }) },
          { weight: 2, arbitrary: fc.constant(0) },
          { weight: 1, arbitrary: fc.integer({ min: -100, max: -1 }) },
        ),
        span: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 200, max: 20_000 })),
        overlap: maybe(true, overlapArb, 7),
      }),
    });
  }
  const bads = spec18BadCommands.filter((name) =>
    name.startsWith("pause") || name.startsWith("resume") ? features.pause : limitsOn,
  );
  if (bads.length > 0) {
    options.push({
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("bad" as const),
        at: when,
        programId: id,
        bad: fc.constantFrom(...bads),
      }),
    });
  }
  if (options.length === 0) return fc.constant([]);
  // A floor on the count: fast-check's default size would keep the list to a handful.
  return fc.array(fc.oneof(...options), { minLength: Math.ceil(steps / 80), maxLength: Math.ceil(steps / 15) });
};

/** The drawn spec 18 events as timeline events (a spawn's options fitted to its program's type). */
export const spec18Events = (drawn: readonly Spec18Event[], programs: readonly ProgramDescriptor[]): TimelineEvent[] =>
  drawn.flatMap((event): TimelineEvent[] => {
    switch (event.kind) {
      case "spawn": {
        const program = programs.find((each) => each.id === event.programId);
        const { overlap, bufferLimit, ...rest } = event.opts;
        // Overlap on a basic program is a bad command's business.
        const keepsOverlap = program?.type !== "basic";
        const opts: SpawnOptsDescriptor = {
          ...rest,
          ...(keepsOverlap && overlap !== undefined ? { overlap } : {}),
          ...(keepsOverlap && bufferLimit !== undefined ? { bufferLimit } : {}),
        };
        return [{ at: event.at, kind: "spawn", programId: event.programId, opts }];
      }
      case "pause": {
        const pick = event.pick === undefined ? {} : { pick: event.pick };
        if (event.resumeOnly) return [{ at: event.at, kind: "resume", programId: event.programId, ...pick }];
        const pause: TimelineEvent = {
          at: event.at,
          kind: "pause",
          programId: event.programId,
          ...pick,
          ...(event.note === undefined ? {} : { note: event.note }),
        };
        if (event.length === undefined) return [pause];
        return [pause, { at: event.at + event.length, kind: "resume", programId: event.programId, ...pick }];
      }
      case "backfill": {
        // Mostly a program with due times (a basic one is refused); the rest as drawn.
        const drawnProgram = programs.find((each) => each.id === event.programId);
        const timed = programs.filter((each) => each.type !== "basic");
        const target =
          drawnProgram?.type === "basic" && timed.length > 0 && event.span % 4 !== 0
            ? (timed[event.span % timed.length] as ProgramDescriptor).id
            : event.programId;
        return [
          {
            at: event.at,
            kind: "backfill",
            programId: target,
            ago: event.ago,
            span: event.span,
            ...(event.overlap === undefined ? {} : { overlap: event.overlap }),
          },
        ];
      }
      default:
        return [{ at: event.at, kind: "bad", bad: event.bad, programId: event.programId }];
    }
  });
