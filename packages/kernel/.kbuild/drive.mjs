import { createKernel } from "./index.js";

const PERIOD = 1000;
const run = (spawns, target, mode) => {
  const kernel = createKernel();
  kernel.dispatch({
    type: "install",
    at: 0,
    program: { id: "p", type: "constant", interval: PERIOD, mainFn: () => undefined },
  });
  for (let i = 0; i < spawns; i++)
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { delay: i % PERIOD } });
  const lastWake = (e) => {
    const w = e[e.length - 1];
    return w?.type === "wake" ? w.at : null;
  };
  let wake = lastWake(kernel.dispatch({ type: "tick", at: 0 }));
  let jobs = 0;
  const results = [];
  const OK = { ok: true };
  const t0 = process.cpuUsage();
  while (jobs < target && wake !== null) {
    const at = wake;
    const effects = kernel.dispatch({ type: "tick", at });
    for (const e of effects) {
      if (e.type !== "run") continue;
      jobs++;
      if (mode === "single") kernel.dispatch({ type: "complete", at, jobId: e.jobId, outcome: OK });
      else results.push({ jobId: e.jobId, outcome: OK });
    }
    if (results.length > 0) {
      kernel.dispatch({ type: "complete", at, results: results.slice() });
      results.length = 0;
    }
    wake = lastWake(effects);
  }
  const u = process.cpuUsage(t0);
  return Math.round(jobs / ((u.user + u.system) / 1e6));
};
const n = Number(process.argv[2] ?? 10000),
  mode = process.argv[3] ?? "batch";
run(n, 200000, mode);
console.log(n, mode, run(n, Number(process.argv[4] ?? 3000000), mode));
