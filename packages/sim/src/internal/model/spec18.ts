/**
 * The commands, effects and reasons of spec 18 (overlap, pause and resume, maxRuns,
 * startAt, endAt), written on the simulator's side from the spec, so the reference
 * model, the generator and the checks can use them whether or not the kernel's public
 * types have them yet. Each is a widening of `@schedkit/kernel`'s types: once the
 * kernel has them too, the unions simply overlap.
 */
import type { CancelReason, Command, KernelEffect } from "@schedkit/kernel";

/** What a due time does while the spawn's previous job is still running. */
export type Overlap = "allow" | "skip" | "buffer-one" | "buffer-all" | "cancel-other";

export const overlaps: readonly Overlap[] = ["allow", "skip", "buffer-one", "buffer-all", "cancel-other"];

/** Why a spawn stopped (and its jobs were cancelled): the kernel's reasons, `max-runs` and `end-at`. */
export type StopReason = CancelReason | "max-runs" | "end-at";

/** Why a job was cancelled: a stop's reason, or `overlap` (a `cancel-other` spawn started anew). */
export type CancelReason18 = StopReason | "overlap";

export interface PauseCommand {
  readonly type: "pause";
  readonly at: number;
  readonly wall?: number;
  readonly programId: string;
  readonly spawnId?: string;
  readonly note?: string;
}

export interface ResumeCommand {
  readonly type: "resume";
  readonly at: number;
  readonly wall?: number;
  readonly programId: string;
  readonly spawnId?: string;
}

/** Every command the simulator sends. */
export type SimCommand = Command | PauseCommand | ResumeCommand;

export interface SkippedEffect {
  readonly type: "skipped";
  readonly programId: string;
  /** `null` for a backfill's due time (the program's, like a trigger's). */
  readonly spawnId: string | null;
  readonly fireId: string;
  readonly scheduledAt: number;
  readonly reason: "overlap" | "buffer-full";
}

export interface PausedEffect {
  readonly type: "paused";
  readonly programId: string;
  readonly spawnId: string | null;
  readonly note?: string;
}

export interface ResumedEffect {
  readonly type: "resumed";
  readonly programId: string;
  readonly spawnId: string | null;
}

type KernelCancel = Extract<KernelEffect, { type: "cancel" }>;
type KernelStopped = Extract<KernelEffect, { type: "stopped" }>;

export type CancelEffect18 = Omit<KernelCancel, "reason"> & { readonly reason: CancelReason18 };
export type StoppedEffect18 = Omit<KernelStopped, "reason"> & { readonly reason: StopReason };

/** Every effect the simulator understands. */
export type SimEffect =
  | Exclude<KernelEffect, { type: "cancel" | "stopped" }>
  | CancelEffect18
  | StoppedEffect18
  | SkippedEffect
  | PausedEffect
  | ResumedEffect;

/** The kernel's effects, read as the simulator's (a widening: nothing is lost). */
export const asSimEffects = (effects: readonly KernelEffect[]): readonly SimEffect[] => effects as readonly SimEffect[];

/** A simulator's effect handed on where the kernel's type is expected (the kernel may not know it yet). */
export const asKernelEffect = (effect: SimEffect): KernelEffect => effect as unknown as KernelEffect;

/** A simulator's command sent where the kernel's type is expected. */
export const asKernelCommand = (command: SimCommand): Command => command as unknown as Command;

/** The spec 18 fields of a program spec or of spawn options (read loosely: the kernel's types may lack them). */
export interface Limits18 {
  readonly overlap?: Overlap;
  readonly bufferLimit?: number;
  readonly maxRuns?: number;
  readonly startAt?: number;
  readonly endAt?: number;
  /** ms >= 0: a due job starts up to this much later, drawn from the program's generator. */
  readonly jitter?: number;
}

export const limitsOf = (spec: unknown): Limits18 => {
  if (typeof spec !== "object" || spec === null) return {};
  const { overlap, bufferLimit, maxRuns, startAt, endAt, jitter } = spec as Record<string, unknown>;
  return {
    ...(typeof overlap === "string" ? { overlap: overlap as Overlap } : {}),
    ...(typeof bufferLimit === "number" ? { bufferLimit } : {}),
    ...(typeof maxRuns === "number" ? { maxRuns } : {}),
    ...(typeof startAt === "number" ? { startAt } : {}),
    ...(typeof endAt === "number" ? { endAt } : {}),
    ...(typeof jitter === "number" ? { jitter } : {}),
  };
};

/** The default `bufferLimit`. */
export const DEFAULT_BUFFER_LIMIT = 1000;
