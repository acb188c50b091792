import { SpawnMap } from "../spawnMap.js";
import type { Verify } from "./verify.js";

/** A constant spawn's grid; `loose` (spec 18's buffers): due times come on it, but buffered ones late and out of turn. */
export interface GridOf {
  readonly interval: number;
  readonly misfire: "catch-up" | "skip";
  readonly loose: boolean;
}

interface Grid extends GridOf {
  last: number;
}

/**
 * `grid`: a constant spawn with a fixed interval has its due times on its grid, one step apart
 * (catch-up), or a whole number of steps on (skip, or buffered). Also measures `drift`, the
 * farthest any due time came off its grid (measured in every run, checked only when checking).
 */
export class GridCheck {
  /** Each constant spawn's grid, `null` where the interval is not fixed (a function, changed since). */
  private readonly grids = new SpawnMap<Grid | null>();
  drift = 0;

  constructor(
    private readonly verify: Verify,
    private readonly checking: boolean,
  ) {}

  /** A constant spawn started: on `grid`, or on none (`null`: no fixed grid to check). */
  spawned(programId: string, spawnId: string, grid: GridOf | null): void {
    this.grids.set(programId, spawnId, grid === null ? null : { ...grid, last: Number.NaN });
  }

  /** A new interval starts a new grid for every running spawn of the program: none to check. */
  intervalChanged(programId: string): void {
    for (const spawnId of this.grids.ofProgram(programId).keys()) this.grids.set(programId, spawnId, null);
  }

  forgetProgram(programId: string): void {
    this.grids.deleteProgram(programId);
  }

  /** Missed due times up to `to`: the grid goes on after the last of them. */
  missed(programId: string, spawnId: string, to: number): void {
    const grid = this.grids.get(programId, spawnId);
    if (grid !== undefined && grid !== null) grid.last = to;
  }

  /** A due time of the spawn (run, skipped, or settled at once): on the grid after the previous one. */
  due(programId: string, spawnId: string, effect: { readonly jobId: string; readonly scheduledAt: number }): void {
    const grid = this.grids.get(programId, spawnId);
    if (grid === undefined || grid === null) return;
    if (!Number.isNaN(grid.last)) {
      const gap = effect.scheduledAt - grid.last;
      const offGrid = Math.abs(gap - Math.round(gap / grid.interval) * grid.interval);
      this.drift = Math.max(this.drift, offGrid);
      if (this.checking) {
        this.verify(
          "grid",
          grid.loose ? offGrid === 0 : grid.misfire === "catch-up" ? gap === grid.interval : offGrid === 0 && gap > 0,
          () =>
            `constant spawn ${programId}/${spawnId}: job due at ${effect.scheduledAt}, ${gap} ms after the previous one; the grid step is ${grid.interval} ms (${grid.misfire})`,
        );
      }
    }
    grid.last = effect.scheduledAt;
  }
}
