/**
 * The data-density helpers of the firing path (issue #19) against naive versions: ids made
 * without the number-to-string cache, the job-id reader, the shared spawn config.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createKernel, type KernelEffect } from "../src/index.js";
import { DecimalNames } from "../src/internal/decimal.js";
import { seqOfJobId } from "../src/internal/jobTable.js";
import { configOf, sharedConfigOf } from "../src/internal/model.js";

/** Any number, with whole numbers around every power of ten and thousand boundary weighted in. */
const numberArb = fc.oneof(
  fc.integer({ min: -5_000, max: 5_000 }),
  fc.integer({ min: 0, max: 20 }).map((power) => 10 ** power),
  fc.integer({ min: 0, max: 20 }).chain((power) => fc.integer({ min: -2, max: 2 }).map((d) => 10 ** power + d)),
  fc.maxSafeInteger(),
  fc.integer({ min: 0, max: 3 }).map((d) => Number.MAX_SAFE_INTEGER - d + 2),
  fc.double(),
  fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 999.5, 1000.25, 1e21, 8.64e15),
);

describe("DecimalNames", () => {
  it("name - is the prefix and the number as a template literal writes them, for any sequence of numbers, repeats and runs of neighbours included", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("", "job-", "p/p-1/"),
        fc.array(
          fc.oneof(
            numberArb.map((n) => [n]),
            // Runs of consecutive numbers, which share their thousands part.
            fc
              .tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 30 }))
              .map(([from, count]) => Array.from({ length: count }, (_, index) => from + index)),
            // The same number again and again (jobs due at the same time).
            fc.tuple(numberArb, fc.integer({ min: 2, max: 5 })).map(([n, count]) => Array<number>(count).fill(n)),
          ),
          { maxLength: 30 },
        ),
        (prefix, runs) => {
          const names = new DecimalNames(prefix);
          for (const n of runs.flat()) expect(names.name(n)).toBe(`${prefix}${n}`);
        },
      ),
    );
  });
});

describe("seqOfJobId", () => {
  /** The reader as a regular expression: `job-` and a canonical decimal below 2^53; else -1. */
  const naive = (jobId: string): number => {
    if (!/^job-(0|[1-9][0-9]*)$/.test(jobId)) return -1;
    const seq = Number(jobId.slice(4));
    return Number.isSafeInteger(seq) ? seq : -1;
  };

  it("agrees with a regular-expression reader on ids, near-ids and any string", () => {
    const digits = fc.string({ unit: fc.constantFrom("0", "1", "5", "9"), maxLength: 18 });
    const idArb = fc.oneof(
      fc.nat().map((n) => `job-${n}`),
      fc.maxSafeInteger().map((n) => `job-${n}`),
      fc.integer({ min: 0, max: 40 }).map((d) => `job-${Number.MAX_SAFE_INTEGER - 20 + d}`),
      digits.map((text) => `job-${text}`),
      fc
        .tuple(fc.constantFrom("job-", "Job-", "jo-", "jobs-", "job_", "job-+", "job--", " job-"), digits)
        .map(([head, text]) => head + text),
      fc.string({ maxLength: 22 }),
    );
    fc.assert(
      fc.property(idArb, (jobId) => {
        expect(seqOfJobId(jobId)).toBe(naive(jobId));
      }),
    );
  });
});

describe("sharedConfigOf", () => {
  const base = configOf({ type: "constant", interval: 1_000, mainFn: () => undefined } as never);

  it("gives the program's own config when the overrides change nothing but the delay", () => {
    expect(sharedConfigOf(configOf({ delay: 5 } as never, base), base)).toBe(base);
    expect(sharedConfigOf(configOf({ delay: "random" } as never, base), base)).toBe(base);
    expect(sharedConfigOf(configOf({ overlap: "allow" } as never, base), base)).toBe(base);
  });

  it("keeps a config of the spawn's own when any other field differs", () => {
    for (const overrides of [{ overlap: "skip" }, { jitter: 3 }, { maxRuns: 2 }, { argsFn: () => 1 }, { endAt: 9 }]) {
      const own = configOf(overrides as never, base);
      expect(sharedConfigOf(own, base)).toBe(own);
    }
  });

  it("spawns spread by a delay fire as the delay says (the delay is read before the config is shared)", () => {
    const kernel = createKernel();
    kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "p", type: "constant", interval: 100, mainFn: () => undefined },
    });
    for (const delay of [30, 10, 20]) kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { delay } });
    const runs: string[] = [];
    for (const at of [10, 20, 30, 110]) {
      for (const effect of kernel.dispatch({ type: "tick", at }) as KernelEffect[]) {
        if (effect.type === "run") runs.push(`${effect.spawnId}@${effect.scheduledAt}:${effect.fireId}`);
      }
    }
    expect(runs).toEqual(["p-2@10:p/p-2/10", "p-3@20:p/p-3/20", "p-1@30:p/p-1/30", "p-2@110:p/p-2/110"]);
  });
});
