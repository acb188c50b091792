/**
 * Real clock: N constant spawns at a fixed period for some seconds, each job
 * recording its lateness (start - due) in ms; beside setInterval,
 * toad-scheduler and croner doing the same in the same process.
 */
import { createRunner } from "@schedkit/kernel";
import { Cron } from "croner";
import { SimpleIntervalJob, Task, ToadScheduler } from "toad-scheduler";

export interface Timing {
  readonly jobs: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly earlyStarts: number;
  /** How far the last start is from the grid point it belongs to, ms (end drift). */
  readonly drift: number;
}

const now = () => performance.timeOrigin + performance.now();

const summarise = (lateness: number[], drift: number): Timing => {
  const sorted = [...lateness].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    jobs: sorted.length,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    earlyStarts: sorted.filter((value) => value < 0).length,
    drift: round(drift),
  };
};

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const schedkitTiming = async (spawns: number, period: number, seconds: number): Promise<Timing> => {
  const runner = createRunner();
  const lateness: number[] = [];
  let drift = 0;
  runner.subscribe((effect) => {
    if (effect.type !== "run") return;
    lateness.push(effect.startedAt - effect.scheduledAt);
    drift = effect.startedAt - effect.scheduledAt;
  });
  runner.install({ id: "p", type: "constant", interval: period, mainFn: () => undefined });
  for (let index = 0; index < spawns; index++) runner.spawn("p", { delay: (index % period) + period });
  runner.start();
  await wait(seconds * 1000);
  runner.kill();
  return summarise(lateness, drift);
};

/** Each spawn a setInterval; its due times are start + k * period. */
export const setIntervalTiming = async (spawns: number, period: number, seconds: number): Promise<Timing> => {
  const lateness: number[] = [];
  const handles: ReturnType<typeof setInterval>[] = [];
  let drift = 0;
  const start = now();
  for (let index = 0; index < spawns; index++) {
    let k = 0;
    const first = start + period;
    handles.push(
      setInterval(() => {
        const late = now() - (first + period * k++);
        lateness.push(late);
        drift = late;
      }, period),
    );
  }
  await wait(seconds * 1000);
  for (const handle of handles) clearInterval(handle);
  return summarise(lateness, drift);
};

export const toadTiming = async (spawns: number, period: number, seconds: number): Promise<Timing> => {
  const scheduler = new ToadScheduler();
  const lateness: number[] = [];
  let drift = 0;
  const start = now();
  for (let index = 0; index < spawns; index++) {
    let k = 0;
    const task = new Task(`t${index}`, () => {
      const late = now() - (start + period * ++k);
      lateness.push(late);
      drift = late;
    });
    scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ milliseconds: period }, task, { id: `j${index}` }));
  }
  await wait(seconds * 1000);
  scheduler.stop();
  return summarise(lateness, drift);
};

/** croner's finest grain is one second: it runs at whole seconds, so its lateness is measured against them. */
export const cronerTiming = async (spawns: number, seconds: number): Promise<Timing> => {
  const lateness: number[] = [];
  let drift = 0;
  const jobs: Cron[] = [];
  for (let index = 0; index < spawns; index++) {
    jobs.push(
      new Cron("* * * * * *", () => {
        const wall = Date.now();
        const late = wall - Math.floor(wall / 1000) * 1000;
        lateness.push(late);
        drift = late;
      }),
    );
  }
  await wait(seconds * 1000);
  for (const job of jobs) job.stop();
  return summarise(lateness, drift);
};
