import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCommand, decodeCommandBySchema } from "../src/Command.js";

const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.string(), fc.boolean(), fc.double());

const validTick = fc.record({ type: fc.constant("tick"), at: fc.integer() });
const validComplete = fc.record({
  type: fc.constant("complete"),
  at: fc.integer(),
  jobId: fc.string({ minLength: 1 }),
  outcome: fc.oneof(
    fc.record({ ok: fc.constant(true), value }, { requiredKeys: ["ok"] }),
    fc.record({ ok: fc.constant(false), error: value }),
  ),
});

/** One change that may break a command: a field set to a random value, a key removed, or a key added. */
const mutate = (command: Record<string, unknown>) =>
  fc.oneof(
    fc.constant(command),
    fc
      .record({ key: fc.constantFrom("type", "at", "jobId", "outcome"), to: value })
      .map(({ key, to }) => ({ ...command, [key]: to })),
    fc.constantFrom("type", "at", "jobId", "outcome").map((key) => {
      const { [key]: _removed, ...rest } = command;
      return rest;
    }),
    value.map((extra) => ({ ...command, extra })),
    fc
      .record({ key: fc.constantFrom("ok", "value", "error", "extra"), to: value })
      .map(({ key, to }) => ({ ...command, outcome: { ...(command.outcome as object), [key]: to } })),
  );

// Inputs near the hot commands' shapes: valid ones and ones a single change away.
const nearHotCommand = fc.oneof(validTick, validComplete).chain((command) => mutate(command));

describe("decodeCommand", () => {
  it("decodeCommand - the hot-path check accepts exactly what the schema accepts", () => {
    fc.assert(
      fc.property(nearHotCommand, (input) => {
        expect(decodeCommand(input).ok).toBe(decodeCommandBySchema(input).ok);
      }),
      { numRuns: 3000 },
    );
    // The generator must reach both sides, or the agreement above proves little.
    const accepted = fc.sample(nearHotCommand, { numRuns: 1000, seed: 1 }).filter((input) => decodeCommand(input).ok);
    expect(accepted.length).toBeGreaterThan(200);
    expect(accepted.length).toBeLessThan(900);
  });

  it("decodeCommand - a bad hot command gets the schema's message naming the field", () => {
    expect(decodeCommand({ type: "complete", at: 1, jobId: "job-1", outcome: { ok: "yes" } })).toEqual({
      ok: false,
      field: "command.outcome",
      message: "command.outcome: Expected { ok: true, value? }, { ok: false, error } or { lost: true }",
    });
    expect(decodeCommand({ type: "tick", at: Number.NaN })).toMatchObject({ ok: false, field: "command.at" });
  });
});
