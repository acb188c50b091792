#!/usr/bin/env node
// The packaging check: what a user gets from the registry must work.
// 1. build every public package and pack it as it would be published (pnpm pack
//    applies publishConfig and turns workspace: ranges into real ones);
// 2. lint each tarball with publint and @arethetypeswrong/cli;
// 3. install the tarballs with npm into a fresh project outside the workspace and
//    import every entry point under plain Node (no TypeScript loader), then run
//    the simulator's command line from its installed bin;
// 4. the kernel's public .d.ts files refer to no Schema type (check-declarations.mjs).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { checkDeclarations } from "./check-declarations.mjs";

const root = resolve(new URL("..", import.meta.url).pathname);
const packages = ["kernel", "policy-lifo", "policy-fifo", "sim", "postgres", "otel"];
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (command, args, cwd = root) => {
  console.log(`$ ${[command, ...args].join(" ")}`);
  return execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
};

const work = mkdtempSync(join(tmpdir(), "schedkit-packages-"));
try {
  run("pnpm", ["build"]);
  const declarations = checkDeclarations();
  if (declarations.problems.length > 0) {
    throw new Error(`kernel declarations:\n  ${declarations.problems.join("\n  ")}`);
  }
  console.log(`kernel declarations: ${declarations.files} public .d.ts files, no Schema type`);
  const packed = join(work, "packed");
  for (const name of packages) run("pnpm", ["pack", "--pack-destination", packed], join(root, "packages", name));
  const tarballs = readdirSync(packed)
    .filter((file) => file.endsWith(".tgz"))
    .map((file) => join(packed, file));
  if (tarballs.length !== packages.length)
    throw new Error(`expected ${packages.length} tarballs, got ${tarballs.length}`);

  for (const tarball of tarballs) {
    process.stdout.write(run(bin("publint"), ["run", tarball, "--strict"]));
    // ESM only, on purpose: no CommonJS entry points to check.
    process.stdout.write(run(bin("attw"), [tarball, "--profile", "esm-only", "--format", "table-flipped"]));
  }

  const project = join(work, "consumer");
  run("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)}\n`,
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], project);

  writeFileSync(
    join(project, "check.mjs"),
    `import assert from "node:assert/strict";
import { createKernel, createRunner, restoreKernel, SchedkitError } from "@schedkit/kernel";
import { checkPolicy } from "@schedkit/kernel/testing";
import { lifo } from "@schedkit/policy-lifo";
import { fifo } from "@schedkit/policy-fifo";
import { replay, replayFleet, simulate, simulateFleet } from "@schedkit/sim";
import { createCoordinator, createModelStore, shardOf } from "@schedkit/kernel/fleet";
import { createSqlStore, pgliteStore, postgresStore } from "@schedkit/postgres";
import { instrument } from "@schedkit/otel";

const kernel = createKernel({ policies: [lifo(), fifo()] });
kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 100, createFn: () => 0, mergeFn: (s, v) => s + v, mainFn: () => 1 } });
kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
const [run] = kernel.dispatch({ type: "tick", at: 100 });
assert.equal(run.type, "run");
kernel.dispatch({ type: "complete", at: 101, jobId: run.jobId, outcome: { ok: true, value: 2 } });
assert.equal(kernel.getState("p"), 2);
assert.equal(restoreKernel(JSON.parse(JSON.stringify(kernel.snapshot())), [kernel.getProgram("p")], { policies: [lifo(), fifo()] }).getState("p"), 2);
assert.equal(checkPolicy(lifo(), { numRuns: 20, largeSize: 1000 }).ok, true);
assert.throws(() => createRunner().spawn("nope"), SchedkitError);
const runner = createRunner();
runner.install({ id: "t", interval: 1000, mainFn: () => "done" });
runner.start();
assert.equal(await runner.trigger("t"), "done");
// @schedkit/otel with the API's no-op providers (its peer @opentelemetry/api installed beside it).
const uninstrument = instrument(runner);
assert.equal(await runner.trigger("t"), "done");
uninstrument();
await runner.stop();
const result = simulate({ seed: 1, scenario: "stats", steps: 200 });
assert.deepEqual(result.violations, []);
assert.equal(replay(result.timeline).traceHash, result.traceHash);
const store = createModelStore({ clock: () => 0 });
const coordinator = createCoordinator({ nodeId: "n1", shards: 4, programs: [{ id: "p", interval: 100, mainFn: () => 1 }] });
const [scan] = coordinator.dispatch({ type: "tick", at: 0, wall: 0 });
assert.equal(scan.type, "store");
assert.equal(store.apply(scan.request).type, "scanned");
assert.equal(shardOf("p", 4), shardOf("p", 4));
const fleet = simulateFleet({ seed: 1, steps: 150 });
assert.deepEqual(fleet.violations, []);
assert.equal(replayFleet(fleet.timeline).traceHash, fleet.traceHash);
assert.equal(typeof postgresStore, "function");
assert.equal(typeof createSqlStore, "function");
const sqlStore = pgliteStore();
assert.equal((await sqlStore.execute({ type: "scan", node: "n1", ttl: 1000 })).type, "scanned");
assert.equal((await sqlStore.execute(scan.request)).type, "scanned");
await sqlStore.close();
console.log("every package imports and works under plain Node");
`,
  );
  process.stdout.write(run("node", ["check.mjs"], project));
  process.stdout.write(
    run(
      join(project, "node_modules", ".bin", "schedkit-sim"),
      ["--scenario", "stats", "--seeds", "1", "--steps", "200"],
      project,
    ),
  );
  // Worker threads from the built package (plain node loads dist/internal/simWorker.js).
  process.stdout.write(
    run(
      join(project, "node_modules", ".bin", "schedkit-sim"),
      ["--seeds", "3", "--steps", "200", "--checks", "determinism-only", "--workers", "2"],
      project,
    ),
  );
  process.stdout.write(
    run(join(project, "node_modules", ".bin", "schedkit-sim"), ["fleet", "--seeds", "1", "--steps", "150"], project),
  );
  const pgHelp = run(join(project, "node_modules", ".bin", "schedkit-pg"), ["--help"], project);
  if (!pgHelp.includes("schedkit-pg status")) throw new Error(`schedkit-pg --help printed:\n${pgHelp}`);
  console.log("schedkit-pg: the installed bin runs");
  console.log("packages: ok");
} finally {
  rmSync(work, { recursive: true, force: true });
}
