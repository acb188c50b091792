import { readFileSync } from "node:fs";

/** The machine's CPU time so far, in ticks (1/100 s) summed over its cores. */
export interface MachineTicks {
  /** Every state but idle and iowait. */
  readonly busy: number;
  /** Time the hypervisor gave to another guest (counted in busy and total). */
  readonly steal: number;
  readonly total: number;
}

/** The first line of Linux's /proc/stat, read once; undefined off Linux. */
export const machineTicks = (): MachineTicks | undefined => {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    // user nice system idle iowait irq softirq steal
    const total = fields.reduce((sum, value) => sum + value, 0);
    return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), steal: fields[7] ?? 0, total };
  } catch {
    return undefined;
  }
};
