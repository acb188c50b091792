import * as Cause from "effect/Cause";
import * as Exit from "effect/Exit";
import * as Schema from "effect/Schema";
import * as SchemaIssue from "effect/SchemaIssue";
import { MAX_TIME } from "./limits.js";

const formatter = SchemaIssue.makeFormatterStandardSchemaV1();
const joinPath = (root, path) =>
  path.reduce((acc, segment) => {
    const key = typeof segment === "object" && segment !== null && "key" in segment ? segment.key : segment;
    return typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`;
  }, root);
/**
 * Decodes untrusted input with a schema, refusing unknown keys, and turns the
 * first issue into a field path ("program.interval") and a readable message.
 */
export const decodeWith = (schema, root) => (input) => {
  const exit = Schema.decodeUnknownExit(schema)(input, {
    onExcessProperty: "error",
    errors: "first",
  });
  if (Exit.isSuccess(exit)) return { ok: true, value: exit.value };
  const error = Cause.squash(exit.cause);
  const issue = error.issue;
  if (issue === undefined) return { ok: false, field: root, message: `${root}: ${String(error)}` };
  const first = formatter(issue).issues[0];
  const field = joinPath(root, first?.path ?? []);
  const reason = first?.message ?? "invalid";
  const excess = reason === "Expected no excess property";
  return {
    ok: false,
    field,
    message: excess ? `${field}: unknown key (check its spelling)` : `${field}: ${reason}`,
  };
};
/** Any function value; functions cannot be described by data schemas. */
export const AnyFunction = Schema.declare((input) => typeof input === "function", { expected: "a function" });
export const NonNegativeNumber = Schema.Finite.check(
  Schema.isGreaterThanOrEqualTo(0),
  Schema.isLessThanOrEqualTo(MAX_TIME),
);
/** A time in ms within the kernel's range (see `MAX_TIME`). */
export const Time = Schema.declare((input) => typeof input === "number" && input >= -MAX_TIME && input <= MAX_TIME, {
  expected: `a finite time in ms between -${MAX_TIME} and ${MAX_TIME}`,
});
export const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0));
