import fc from "fast-check";

/** An array-backed `SpawnSet` with O(1) ends, like the kernel's. */
const setOf = (views) => ({
  size: views.length,
  earliest: () => views[0],
  latest: () => views[views.length - 1],
  [Symbol.iterator]: () => views[Symbol.iterator](),
});
const viewArb = fc.record({
  gap: fc.nat({ max: 50 }),
  inFlight: fc.nat({ max: 4 }),
  succeeded: fc.nat({ max: 20 }),
  errored: fc.nat({ max: 5 }),
  waiting: fc.nat({ max: 1 }),
});
/** Sets of running spawns, oldest first: unique ids, start times that never go down, counters that add up. */
const viewsArb = (minLength) =>
  fc.array(viewArb, { minLength, maxLength: 30 }).map((rows) => {
    let startedAt = 0;
    return rows.map((row, index) => {
      startedAt += row.gap;
      const completed = row.succeeded + row.errored;
      return {
        id: `spawn-${index + 1}`,
        programId: "program",
        startedAt,
        inFlight: row.inFlight,
        submitted: completed + row.inFlight + row.waiting,
        succeeded: row.succeeded,
        errored: row.errored,
        completed,
      };
    });
  });
const describeError = (error) => (error instanceof Error ? error.message : String(error));
const select = (policy, views) => policy.select(setOf(views));
/**
 * Checks an unspawn policy against the contract every policy must keep, with
 * fast-check properties and shrinking:
 *
 * - shape: a non-empty `name` and a `select` function;
 * - membership: `select` returns the id of a member of the set, or `undefined`;
 * - empty: for an empty set it returns `undefined`;
 * - deterministic: the same view gives the same answer;
 * - no-mutation: the views and the set are left as they were;
 * - time-bound: at `largeSize` spawns it answers within `maxPasses` full passes
 *   over the set (a ratio measured in this process, not a wall-clock limit).
 *
 * A `select` that throws breaks the rule being checked. Returns a report;
 * `assertPolicy` throws it instead.
 *
 * @example
 * expect(checkPolicy(lifo()).failures).toEqual([]);
 *
 * @since 0.1.0
 */
export const checkPolicy = (policy, options = {}) => {
  const name = typeof policy?.name === "string" && policy.name !== "" ? policy.name : "(unnamed)";
  const failures = [];
  if (typeof policy?.name !== "string" || policy.name === "" || typeof policy.select !== "function") {
    failures.push({
      property: "shape",
      message: "a policy needs a non-empty string `name` and a `select(spawns)` function",
    });
    return report(name, failures);
  }
  const params = {
    numRuns: options.numRuns ?? 200,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.path === undefined ? {} : { path: options.path }),
  };
  const run = (property, arbitrary, predicate) => {
    const details = fc.check(
      fc.property(arbitrary, (views) => {
        const problem = predicate(views);
        if (problem !== undefined) throw new Error(problem);
      }),
      params,
    );
    if (!details.failed) return;
    const counterexample = details.counterexample?.[0];
    failures.push({
      property,
      message: details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
      ...(counterexample === undefined
        ? {}
        : {
            counterexample: counterexample.map((view) => view.id),
            views: counterexample.map((view) => ({ ...view })),
          }),
      seed: details.seed,
      ...(details.counterexamplePath === null ? {} : { path: details.counterexamplePath }),
    });
  };
  const attempt = (views) => {
    try {
      return { answer: select(policy, views) };
    } catch (error) {
      return { error: `select threw: ${describeError(error)}` };
    }
  };
  run("membership", viewsArb(1), (views) => {
    const result = attempt(views);
    if ("error" in result) return result.error;
    if (result.answer === undefined || views.some((view) => view.id === result.answer)) return undefined;
    return `select returned ${JSON.stringify(result.answer)}, which is neither undefined nor the id of a spawn in the set`;
  });
  {
    const result = attempt([]);
    if ("error" in result) failures.push({ property: "empty", message: result.error });
    else if (result.answer !== undefined) {
      failures.push({
        property: "empty",
        message: `for an empty set select returned ${JSON.stringify(result.answer)}, not undefined`,
      });
    }
  }
  run("deterministic", viewsArb(0), (views) => {
    const first = attempt(views.map((view) => ({ ...view })));
    const second = attempt(views.map((view) => ({ ...view })));
    if ("error" in first) return first.error;
    if ("error" in second) return second.error;
    return Object.is(first.answer, second.answer)
      ? undefined
      : `the same view gave ${JSON.stringify(first.answer)}, then ${JSON.stringify(second.answer)}`;
  });
  run("no-mutation", viewsArb(0), (views) => {
    const before = JSON.stringify(views);
    const result = attempt(views);
    if ("error" in result) return result.error;
    return JSON.stringify(views) === before ? undefined : "select changed the views it was given";
  });
  checkTimeBound(policy, options, failures);
  return report(name, failures);
};
/** Like `checkPolicy`, but throws an Error with the readable report when a rule is broken. @since 0.1.0 */
export const assertPolicy = (policy, options) => {
  const result = checkPolicy(policy, options);
  if (!result.ok) throw new Error(result.toString());
};
const timed = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};
const checkTimeBound = (policy, options, failures) => {
  const size = options.largeSize ?? 100_000;
  const maxPasses = options.maxPasses ?? 10;
  const views = [];
  for (let index = 0; index < size; index++) {
    const succeeded = index % 5;
    const errored = index % 2;
    const inFlight = index % 3;
    views.push(
      Object.freeze({
        id: `spawn-${index + 1}`,
        programId: "program",
        startedAt: index,
        inFlight,
        submitted: succeeded + errored + inFlight,
        succeeded,
        errored,
        completed: succeeded + errored,
      }),
    );
  }
  const set = setOf(views);
  let sink = 0;
  let threw;
  // One full pass is what a policy that looks at every spawn once must at least do.
  // Passes and answers are measured in turns, so a busy machine slows both alike.
  let pass = Number.POSITIVE_INFINITY;
  let answer = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    pass = Math.min(
      pass,
      timed(() => {
        for (const view of set) sink += view.inFlight + view.completed + view.startedAt + view.id.length;
      }),
    );
    answer = Math.min(
      answer,
      timed(() => {
        try {
          policy.select(set);
        } catch (error) {
          threw = describeError(error);
        }
      }),
    );
  }
  if (threw !== undefined) {
    failures.push({ property: "time-bound", message: `select threw at ${size} spawns: ${threw}` });
    return;
  }
  // A floor of 1 ms keeps timer resolution from failing O(1) policies.
  const limit = Math.max(pass * maxPasses, 1);
  if (answer > limit && sink >= 0) {
    failures.push({
      property: "time-bound",
      message: `select took ${answer.toFixed(2)} ms at ${size} spawns: ${(answer / pass).toFixed(1)} full passes over the set (limit ${maxPasses})`,
    });
  }
};
const VIEW_FIELDS = ["programId", "startedAt", "inFlight", "submitted", "succeeded", "errored", "completed"];
/** The views a counterexample holds, each with its fields, and which fields tell them apart. */
const viewsText = (views) => {
  if (views.length === 0) return "\n  views: none (the empty set)";
  const differing = VIEW_FIELDS.filter((field) => new Set(views.map((view) => view[field])).size > 1);
  const header =
    views.length === 1
      ? "\n  the view:"
      : differing.length === 0
        ? "\n  views (no field differs between them, only the id and the order):"
        : `\n  views (fields that differ between them: ${differing.join(", ")}):`;
  const shown = views.length === 1 ? VIEW_FIELDS.filter((field) => field !== "programId") : [...differing];
  const lines = views.map(
    (view) =>
      `\n    ${view.id}${shown.length === 0 ? "" : ` { ${shown.map((field) => `${field}: ${JSON.stringify(view[field])}`).join(", ")} }`}`,
  );
  return `${header}${lines.join("")}`;
};
const report = (policy, failures) => ({
  policy,
  ok: failures.length === 0,
  failures,
  toString: () =>
    failures.length === 0
      ? `policy "${policy}": every rule holds`
      : [
          `policy "${policy}" breaks ${failures.length} rule${failures.length === 1 ? "" : "s"}:`,
          ...failures.map((failure) =>
            [
              `- ${failure.property}: ${failure.message}`,
              failure.counterexample === undefined ? "" : `\n  smallest set: [${failure.counterexample.join(", ")}]`,
              failure.views === undefined ? "" : viewsText(failure.views),
              failure.seed === undefined
                ? ""
                : `\n  replay: checkPolicy(policy, { seed: ${failure.seed}${failure.path === undefined ? "" : `, path: "${failure.path}"`} })`,
            ].join(""),
          ),
        ].join("\n"),
});
