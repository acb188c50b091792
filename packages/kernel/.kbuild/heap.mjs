import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
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
  const OK = { ok: true };
  return async (session) => {
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    });
    while (jobs < target && wake !== null) {
      const at = wake;
      const effects = kernel.dispatch({ type: "tick", at });
      const results = [];
      for (const e of effects) {
        if (e.type !== "run") continue;
        jobs++;
        if (mode === "single") kernel.dispatch({ type: "complete", at, jobId: e.jobId, outcome: OK });
        else results.push({ jobId: e.jobId, outcome: OK });
      }
      if (results.length > 0) kernel.dispatch({ type: "complete", at, results });
      wake = lastWake(effects);
    }
    const { profile } = await session.post("HeapProfiler.stopSampling");
    return { profile, jobs };
  };
};
const mode = process.argv[2] ?? "single";
const session = new Session();
session.connect();
const go = run(10000, 500000, mode);
const { profile, jobs } = await go(session);
let total = 0;
const self = new Map();
const walk = (n) => {
  const cf = n.callFrame;
  const k = `${cf.functionName || "(anon)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`;
  self.set(k, (self.get(k) ?? 0) + n.selfSize);
  total += n.selfSize;
  n.children.forEach(walk);
};
walk(profile.head);
console.log(mode, "bytes/job", Math.round(total / jobs));
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(
    Math.round(v / jobs)
      .toString()
      .padStart(5),
    k,
  );
