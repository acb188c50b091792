/** Reading a timeline file for `replay FILE`, and telling a fleet one from a single-node one. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CliError } from "../cliError.js";

/** Reads and parses a timeline file; each way it can be wrong is its own coded error. */
export const readTimelineFile = (name: string): unknown => {
  const file = resolve(name);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") throw new CliError("missing-file", `replay: no file at ${file}`);
    if (code === "EISDIR") throw new CliError("missing-file", `replay: ${file} is a folder, not a timeline file`);
    throw new CliError("unreadable-file", `replay: cannot read ${file} (${String(code ?? error)})`);
  }
  if (text.trim() === "") {
    throw new CliError("empty-file", `replay: ${file} is empty (a timeline file holds the JSON schedkit-sim wrote)`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (/end of (JSON )?input|Unterminated/i.test(why)) {
      throw new CliError("truncated-file", `replay: ${file} ends early (cut off while written or copied?): ${why}`);
    }
    throw new CliError("not-json", `replay: ${file} is not JSON, so not a timeline file: ${why}`);
  }
};

/** Whether parsed JSON is a fleet timeline (a failure file of `schedkit-sim fleet`), not a single-node one. */
export const isFleetTimeline = (value: unknown): boolean =>
  typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "fleet";
