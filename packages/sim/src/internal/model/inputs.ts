/**
 * The reference model's input checks: the same codes and fields as the
 * kernel (messages differ), written from the kernel's contract (its README) and the contract of
 * issue #14. Every input is read once into a plain copy (a throwing getter is
 * a rejection naming its field, never an exception), unknown keys are refused
 * first, then each field is checked in order.
 */
import { copyComplete, copyOutcome, copyTick } from "./hotInputs.js";
import { limitRules } from "./limits.js";
import type { SimCommand } from "./spec18.js";

/** Times and intervals stay within ±8.64e15 ms (the range of a Date). */
export const MAX_TIME = 8_640_000_000_000_000;

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly field: string };

export const isTime = (value: unknown): value is number =>
  typeof value === "number" && value >= -MAX_TIME && value <= MAX_TIME;
const isNonEmptyString = (value: unknown): boolean => typeof value === "string" && value !== "";
const isFunction = (value: unknown): boolean => typeof value === "function";
const isPositiveInt = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) > 0;
/** The smallest interval the kernel takes (a microsecond). */
export const MIN_INTERVAL = 0.001;
/** An interval: a function, or a number of ms in [MIN_INTERVAL, MAX_TIME]. */
export const isInterval = (value: unknown): boolean =>
  isFunction(value) || (typeof value === "number" && value >= MIN_INTERVAL && value <= MAX_TIME);
const isDelay = (value: unknown): boolean =>
  value === "random" || (typeof value === "number" && value >= 0 && value <= MAX_TIME);
const isWindow = (value: unknown): boolean => typeof value === "number" && value > 0 && value <= MAX_TIME;
const isVersion = (value: unknown): boolean =>
  (typeof value === "string" && value !== "") || (typeof value === "number" && Number.isFinite(value));
const isRecord = (value: unknown): boolean => typeof value === "object" && value !== null && !Array.isArray(value);
const oneOf =
  (...options: readonly unknown[]) =>
  (value: unknown): boolean =>
    options.includes(value);
const anything = (): boolean => true;

type FieldRule = readonly [name: string, required: boolean, valid: (value: unknown) => boolean];

const path = (root: string, key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `${root}.${key}` : `${root}[${JSON.stringify(key)}]`;

/** Each rule list's field names (rule lists are built once; a copy is checked per command). */
const namesByRules = new WeakMap<readonly FieldRule[], ReadonlySet<string>>();
const namesOf = (rules: readonly FieldRule[]): ReadonlySet<string> => {
  let names = namesByRules.get(rules);
  if (names === undefined) {
    names = new Set(rules.map(([name]) => name));
    namesByRules.set(rules, names);
  }
  return names;
};

/**
 * Copies an object's known fields (each read once), refusing unknown own keys
 * first, a field that cannot be read next, then the first invalid field.
 * Optional fields may be `undefined`.
 */
export const copyChecked = (
  input: unknown,
  root: string,
  rules: readonly FieldRule[],
): Checked<Record<string, unknown>> => {
  if (typeof input !== "object" || input === null) return { ok: false, field: root };
  let keys: string[];
  try {
    keys = Object.keys(input);
  } catch {
    return { ok: false, field: root };
  }
  const names = namesOf(rules);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    if (!names.has(key)) return { ok: false, field: path(root, key) };
  }
  // Every field is read (once, in rule order) before any is judged: a throwing getter comes first.
  const count = rules.length;
  const values: unknown[] = new Array(count);
  const present: boolean[] = new Array(count);
  let index = 0;
  try {
    for (; index < count; index++) {
      const name = (rules[index] as FieldRule)[0];
      const value = (input as Record<string, unknown>)[name];
      values[index] = value;
      present[index] = value !== undefined || keys.includes(name);
    }
  } catch {
    return { ok: false, field: path(root, (rules[index] as FieldRule)[0]) };
  }
  for (index = 0; index < count; index++) {
    const rule = rules[index] as FieldRule;
    const value = values[index];
    if (!present[index] || value === undefined) {
      if (rule[1] && !present[index]) return { ok: false, field: path(root, rule[0]) };
      if (!rule[1]) continue;
    }
    if (!rule[2](value)) return { ok: false, field: path(root, rule[0]) };
  }
  const copy: Record<string, unknown> = {};
  for (index = 0; index < count; index++) if (present[index]) copy[(rules[index] as FieldRule)[0]] = values[index];
  return { ok: true, value: copy };
};

const overridableRules: readonly FieldRule[] = [
  ["interval", false, isInterval],
  ["delay", false, isDelay],
  ["timeFn", false, isFunction],
  ["argsFn", false, isFunction],
  ["createFn", false, isFunction],
  ["mergeFn", false, isFunction],
  ["successFn", false, isFunction],
  ["errorFn", false, isFunction],
  ["continueFn", false, isFunction],
  ["output", false, oneOf("latest", "all")],
  ["misfire", false, oneOf("catch-up", "skip")],
  ["catchUpWindow", false, isWindow],
  ["meta", false, anything],
  // Spec 18: overlap, bufferLimit, maxRuns, startAt, endAt (after the older fields).
  ...limitRules,
];

export const programRules: readonly FieldRule[] = [
  ["id", true, isNonEmptyString],
  ["mainFn", true, isFunction],
  ["type", false, oneOf("basic", "constant", "cron")],
  ["min", false, isPositiveInt],
  ["max", false, isPositiveInt],
  ["policy", false, isNonEmptyString],
  ["scope", false, oneOf("program", "spawn")],
  ["cron", false, (value) => typeof value === "string"],
  ["timezone", false, (value) => typeof value === "string"],
  ["version", false, isVersion],
  ["delivery", false, oneOf("at-least-once", "at-most-once")],
  ...overridableRules,
];

export const spawnOptionRules: readonly FieldRule[] = [["spawnId", false, isNonEmptyString], ...overridableRules];

const required = (name: string, valid: (value: unknown) => boolean): FieldRule => [name, true, valid];
const optional = (name: string, valid: (value: unknown) => boolean): FieldRule => [name, false, valid];

const commandRules: Readonly<Record<SimCommand["type"], readonly FieldRule[]>> = {
  install: [required("program", anything)],
  uninstall: [required("programId", isNonEmptyString)],
  spawn: [required("programId", isNonEmptyString), optional("opts", anything)],
  unspawn: [required("programId", isNonEmptyString)],
  tick: [],
  trigger: [
    required("programId", isNonEmptyString),
    optional("scheduledAt", isTime),
    optional("fireId", isNonEmptyString),
  ],
  complete: [required("jobId", isNonEmptyString), required("outcome", anything)],
  "set-interval": [
    required("programId", isNonEmptyString),
    optional("spawnId", isNonEmptyString),
    required("interval", anything),
  ],
  "stop-spawn": [required("programId", isNonEmptyString), required("spawnId", isNonEmptyString)],
  "kill-spawn": [required("programId", isNonEmptyString), required("spawnId", isNonEmptyString)],
  "stop-all": [optional("programId", isNonEmptyString)],
  "kill-all": [optional("programId", isNonEmptyString)],
  clear: [required("programId", isNonEmptyString)],
  adopt: [required("export", anything), optional("spawnOverrides", isRecord)],
  pause: [
    required("programId", isNonEmptyString),
    optional("spawnId", isNonEmptyString),
    optional("note", (value) => typeof value === "string"),
  ],
  resume: [required("programId", isNonEmptyString), optional("spawnId", isNonEmptyString)],
  backfill: [
    required("programId", isNonEmptyString),
    required("from", isTime),
    required("to", isTime),
    optional("overlap", oneOf("allow", "skip", "buffer-one", "buffer-all", "cancel-other")),
  ],
};

const succeededRules: readonly FieldRule[] = [required("ok", anything), optional("value", anything)];
const failedRules: readonly FieldRule[] = [required("ok", anything), required("error", anything)];
const lostRules: readonly FieldRule[] = [required("lost", (value) => value === true)];

const checkOutcome = (outcome: unknown, hot: boolean): Checked<Record<string, unknown>> => {
  const root = "command.outcome";
  let ok: unknown;
  try {
    ok = typeof outcome === "object" && outcome !== null ? (outcome as { ok?: unknown }).ok : undefined;
  } catch {
    return { ok: false, field: root };
  }
  if (ok === true) return hot ? copyOutcome(outcome as object, true) : copyChecked(outcome, root, succeededRules);
  if (ok === false) return hot ? copyOutcome(outcome as object, false) : copyChecked(outcome, root, failedRules);
  // `{ lost: true }` exactly: the job's result is unknown.
  if (ok === undefined) {
    const lost = copyChecked(outcome, root, lostRules);
    return lost.ok || lost.field !== `${root}.lost` ? lost : { ok: false, field: root };
  }
  return { ok: false, field: root };
};

/** Each command type's rules with the fields every command has first (built once). */
const fullRules = Object.fromEntries(
  Object.entries(commandRules).map(([type, rules]) => [
    type,
    [required("type", anything), required("at", isTime), optional("wall", isTime), ...rules],
  ]),
) as unknown as Readonly<Record<SimCommand["type"], readonly FieldRule[]>>;

/**
 * A command's shape: a known `type`, `at` (and `wall`, `scheduledAt`) within
 * the time limits, the fields its type needs, no unknown keys. Returns a copy.
 */
export const checkCommand = (input: unknown): Checked<SimCommand> => checkCommandWith(input, true);

/** `checkCommand` with only the generic rule loop (`hot: false`): what the hot copiers are tested against. */
export const checkCommandWith = (input: unknown, hot: boolean): Checked<SimCommand> => {
  if (typeof input !== "object" || input === null) return { ok: false, field: "command" };
  let type: unknown;
  try {
    type = (input as { type?: unknown }).type;
  } catch {
    return { ok: false, field: "command.type" };
  }
  // (Nearly every command is a tick or a complete: known without the lookup.)
  if (typeof type !== "string" || (type !== "tick" && type !== "complete" && !Object.hasOwn(commandRules, type))) {
    return { ok: false, field: "command.type" };
  }
  const copied =
    hot && type === "tick"
      ? copyTick(input)
      : hot && type === "complete"
        ? copyComplete(input)
        : copyChecked(input, "command", fullRules[type as SimCommand["type"]]);
  if (!copied.ok) return copied;
  // The copy is fresh: `type` (already its first key) takes the value read first, as a spread would.
  const command = copied.value;
  command.type = type;
  if (type === "complete") {
    const outcome = checkOutcome(command.outcome, hot);
    if (!outcome.ok) return outcome;
    command.outcome = outcome.value;
  }
  // The copier's answer is fresh too: it carries the command on.
  return copied as unknown as Checked<SimCommand>;
};
