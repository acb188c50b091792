/**
 * Checks of program fields and spawn options that involve more than one field or the program's
 * type (the schema checks each field alone): overlap on a basic program, `endAt` after `startAt`.
 * `install` and `spawn` share them, so that `validateProgram` and both commands agree.
 */
import { reject } from "./plan.js";
/** `config` is the spec's (or the spawn's merged one); `given` holds the fields given here, named under `prefix`. */
export const checkOverlapAndDates = (config, given, prefix, code) => {
  if (config.type === "basic" && config.overlap !== "allow") {
    return reject(
      code,
      `${prefix}.overlap`,
      `${prefix}.overlap: a basic program never overlaps (its next job is due after the previous one completed); only "allow" is accepted, got ${JSON.stringify(config.overlap)}`,
    );
  }
  if (config.startAt !== undefined && config.endAt !== undefined && !(config.endAt > config.startAt)) {
    const field = given?.endAt !== undefined || given?.startAt === undefined ? "endAt" : "startAt";
    return reject(
      code,
      `${prefix}.${field}`,
      `${prefix}.${field}: endAt (${config.endAt}) must be after startAt (${config.startAt})`,
    );
  }
  return undefined;
};
