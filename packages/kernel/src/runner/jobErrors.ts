import { show } from "../internal/describe.js";
import type { KernelEffect } from "../KernelEffect.js";

/** A job that settled: its ids, its times, its status and its value or error. @since 0.3.0 */
export type SettledJob = Extract<KernelEffect, { type: "settled" }>;

/**
 * Told about every job that failed (`settled` with status `"errored"`): its
 * error and the job. Triggers' jobs too (their promise rejects as well).
 * @since 0.3.0
 */
export type JobErrorHandler = (error: unknown, job: SettledJob) => void;

/** An Error, or an error as data (`{ name, message }`, as a fleet's logged outcome carries it). */
const errorText = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null) return undefined;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (typeof message !== "string") return error instanceof Error ? String(error) : undefined;
  return `${typeof name === "string" && name !== "" ? name : "Error"}: ${message}`;
};

/** A failure's message on one line: an error's name and message, else the value as the runner shows values. */
const oneLineMessage = (error: unknown): string => {
  let message: string;
  try {
    message = errorText(error) ?? show(error);
  } catch {
    message = show(error);
  }
  return message.replace(/\s*[\r\n]+\s*/g, " ");
};

/** The default `onJobError` line: runner, program, spawn (or the kind of job), fire id, message. */
export const jobErrorLine = (runnerId: string, error: unknown, job: SettledJob): string =>
  `[schedkit:${runnerId}] job failed: program ${job.programId}, ${
    job.spawnId === null ? "no spawn (trigger or backfill)" : `spawn ${job.spawnId}`
  }, fire ${job.fireId}: ${oneLineMessage(error)}`;

/** The default: one line on stderr per failed job, as toad-scheduler does. */
export const writeJobErrorLine =
  (runnerId: string): JobErrorHandler =>
  (error, job) => {
    console.error(jobErrorLine(runnerId, error, job));
  };
