import { decodeSpawnOptions } from "../programSchema.js";
import type { ProgramSnapshot, SpawnSnapshot } from "../snapshotTypes.js";
import { type CheckContext, quote } from "./context.js";

/** Spawn options stored as data, and spawn options that are functions (passed back in `spawnOverrides`). */
const DATA_OVERRIDES = new Set([
  "interval",
  "delay",
  "misfire",
  "catchUpWindow",
  "overlap",
  "bufferLimit",
  "jitter",
  "maxRuns",
  "startAt",
  "endAt",
  "output",
  "meta",
]);
const FUNCTION_OVERRIDES = new Set([
  "interval",
  "meta",
  "timeFn",
  "argsFn",
  "createFn",
  "mergeFn",
  "successFn",
  "errorFn",
  "continueFn",
]);
/** Options a cron program's spawns cannot have: their times come from the expression. */
const NOT_FOR_CRON = ["interval", "delay", "timeFn"];

/** A spawn's overrides, checked last: spawn options, data apart from functions, none that its program type refuses. */
export const checkSpawnOverrides = (
  ctx: CheckContext,
  program: ProgramSnapshot,
  spawn: SpawnSnapshot,
  path: string,
): void => {
  // Its overrides: spawn options, data apart from functions, none that its program type refuses.
  const { overrides } = spawn;
  const functions = new Set(overrides?.functions ?? []);
  if (overrides !== null) {
    for (const [key, value] of Object.entries(overrides.data)) {
      if (!DATA_OVERRIDES.has(key)) ctx.fail(`${path}.overrides.data.${key}`, "not a spawn option stored as data");
      if (typeof value === "function") ctx.fail(`${path}.overrides.data.${key}`, "a function is not data");
    }
    const decoded = decodeSpawnOptions(overrides.data);
    if (!decoded.ok) {
      const field = `${path}.overrides.data${decoded.field.slice("opts".length)}`;
      ctx.fail(field, decoded.message.slice(decoded.field.length + 2));
    }
    overrides.functions.forEach((name, index) => {
      const where = `${path}.overrides.functions[${index}]`;
      if (!FUNCTION_OVERRIDES.has(name)) ctx.fail(where, `${quote(name)} is not a spawn option that is a function`);
      if (name in overrides.data) ctx.fail(where, `${quote(name)} is also in overrides.data`);
      if (overrides.functions.indexOf(name) !== index) ctx.fail(where, `${quote(name)} is listed twice`);
    });
    if (program.type === "cron") {
      for (const key of NOT_FOR_CRON) {
        if (key in overrides.data || functions.has(key)) {
          ctx.fail(`${path}.overrides`, `a cron program's spawn has no ${key} (its times come from the expression)`);
        }
      }
    }
  }
  if (typeof spawn.interval !== "number" && spawn.interval.fn === "override" && !functions.has("interval")) {
    ctx.fail(`${path}.interval`, "the interval is an override function, but overrides.functions has no interval");
  }
};
