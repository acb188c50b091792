/** Checks, before a (long) run, that its outputs can be written, so no run's result is lost. */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CliError } from "../cliError.js";

/** Refuses (before a run) a report file that could not be written. */
export const assertWritableFile = (file: string, what: string): void => {
  const path = resolve(file);
  const dir = dirname(path);
  const fail = (why: string): never => {
    throw new CliError("not-writable", `${what} ${path}: ${why}; nothing was run`);
  };
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(dir);
  } catch {
    fail(`the folder ${dir} does not exist`);
  }
  if (stats?.isDirectory() !== true) fail(`${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    fail(`the folder ${dir} is not writable`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) fail("that is a folder");
};

/** Refuses (before a run) an out folder that could not be made or written. */
export const assertWritableDir = (dir: string, what: string): void => {
  const path = resolve(dir);
  for (let probe = path; ; probe = dirname(probe)) {
    if (existsSync(probe)) {
      if (!statSync(probe).isDirectory()) {
        throw new CliError("not-writable", `${what} ${path}: ${probe} is not a folder; nothing was run`);
      }
      try {
        accessSync(probe, constants.W_OK);
      } catch {
        throw new CliError("not-writable", `${what} ${path}: the folder ${probe} is not writable; nothing was run`);
      }
      return;
    }
    if (dirname(probe) === probe) return;
  }
};
