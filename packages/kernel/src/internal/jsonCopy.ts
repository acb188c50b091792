/**
 * Plain data copied exactly as `JSON.parse(JSON.stringify(value))` would copy it, without the
 * text: a snapshot copies every spawn's state and results, and the round trip through text was
 * most of a snapshot's cost.
 *
 * Only what JSON maps one to one is copied here: strings, booleans, numbers (not finite: `null`;
 * -0: 0), null, arrays whose prototype is Array's, and objects whose prototype is Object's or
 * none, with no `toJSON` and no own `__proto__` key; in objects, keys whose value is undefined,
 * a function or a symbol are left out, and in arrays such values are `null`, as JSON does. Keys
 * keep JSON's order (`Object.keys`). Anything else (an Error, a Date, a class instance, a BigInt,
 * a function or symbol on its own, data nested deeper than `MAX_DEPTH`, which a cycle is) answers
 * `NOT_PLAIN`, and so does a getter that throws: the caller then goes the JSON way, which words
 * the error or converts the value (that way reads the value again, so a getter runs twice there).
 */
export const NOT_PLAIN: unique symbol = Symbol("not plain JSON data");

/** Deeper than this is left to JSON (a cycle ends here, and JSON then names it). */
const MAX_DEPTH = 64;

class NotPlain extends Error {}
const NOT_PLAIN_ERROR = new NotPlain();

/** The copy, or `NOT_PLAIN` (see above). */
export const copyPlainJson = (value: unknown): unknown => {
  try {
    return copy(value, 0);
  } catch {
    return NOT_PLAIN;
  }
};

/** A value inside an object or array: undefined, a function or a symbol are JSON's holes. */
const isHole = (value: unknown): boolean =>
  value === undefined || typeof value === "function" || typeof value === "symbol";

const copy = (value: unknown, depth: number): unknown => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      // JSON writes NaN and the infinities as null, and -0 as 0.
      return Number.isFinite(value) ? value + 0 : null;
    case "object":
      break;
    default:
      throw NOT_PLAIN_ERROR;
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) throw NOT_PLAIN_ERROR;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype || (value as { toJSON?: unknown }).toJSON !== undefined) throw NOT_PLAIN_ERROR;
    const length = value.length;
    const out = new Array<unknown>(length);
    for (let index = 0; index < length; index++) {
      const inner: unknown = value[index];
      out[index] = isHole(inner) ? null : copy(inner, depth + 1);
    }
    return out;
  }
  if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN_ERROR;
  const record = value as Record<string, unknown>;
  if (record.toJSON !== undefined) throw NOT_PLAIN_ERROR;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    // JSON.parse makes an own `__proto__` key; an assignment would set the prototype instead.
    if (key === "__proto__") throw NOT_PLAIN_ERROR;
    const inner = record[key];
    if (!isHole(inner)) out[key] = copy(inner, depth + 1);
  }
  return out;
};
