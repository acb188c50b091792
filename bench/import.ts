/**
 * tsx bench/import.ts [--smoke]
 *
 * What a package costs its user before any of it runs (issue #15, section 2):
 *
 * 1. import time: `await import(X)` in a fresh `node` process (no TypeScript
 *    loader), median of several runs, for each package as published (its
 *    `publishConfig` exports and built `dist/`, in a temporary node_modules),
 *    beside the Effect modules the kernel really imports, `effect/Schema`
 *    alone, the whole `effect` barrel, and croner;
 * 2. a consumer's `tsc --strict` on a hello-world app that imports the
 *    kernel's built `.d.ts` (with and without `skipLibCheck`).
 *
 * Builds the packages' `dist/` first (`tsc -p tsconfig.build.json`). Prints
 * the table, then one JSON line.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const smoke = process.argv.includes("--smoke");
const json = process.argv.includes("--json");
const runs = smoke ? 3 : 9;
const tscRuns = smoke ? 1 : 5;
const log = (line: string) => {
  if (!json) console.log(line);
};

/** The Effect modules the kernel's code imports (see `grep 'from "effect' packages/kernel/src`). */
export const kernelEffectModules = [
  "effect/Cause",
  "effect/Cron",
  "effect/Effect",
  "effect/Exit",
  "effect/Result",
  "effect/Schema",
  "effect/SchemaIssue",
];

const packages = ["kernel", "policy-lifo", "policy-fifo", "sim"] as const;
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const round = (value: number) => Math.round(value * 10) / 10;

// A node_modules as a user's install would have it: each package's package.json with its
// publishConfig applied and a copy of its dist/; effect, croner and fast-check from the workspace.
const work = mkdtempSync(join(tmpdir(), "schedkit-import-"));
const modules = join(work, "node_modules");
const link = (name: string) => {
  const target = join(root, "node_modules", name);
  mkdirSync(dirname(join(modules, name)), { recursive: true });
  symlinkSync(resolve(target), join(modules, name), "dir");
};

try {
  const built: string[] = [];
  for (const name of packages) {
    const dir = join(root, "packages", name);
    // A package that does not build now (another change in progress) is left out, not a failure.
    spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
      cwd: dir,
      stdio: "ignore",
    });
    if (!existsSync(join(dir, "dist", "index.js"))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      name: string;
      publishConfig?: { exports?: unknown };
    };
    const into = join(modules, manifest.name);
    mkdirSync(into, { recursive: true });
    writeFileSync(
      join(into, "package.json"),
      JSON.stringify({ name: manifest.name, type: "module", exports: manifest.publishConfig?.exports }),
    );
    cpSync(join(dir, "dist"), join(into, "dist"), { recursive: true });
    built.push(manifest.name);
  }
  for (const name of ["effect", "croner", "fast-check"]) link(name);

  /** Milliseconds for `await import(...)` of every specifier, in one fresh process. */
  const importOnce = (specifiers: readonly string[]): number => {
    const code = `const t = performance.now(); await Promise.all(${JSON.stringify(specifiers)}.map((s) => import(s))); console.log(performance.now() - t);`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: work, encoding: "utf8" });
    return Number(out.trim().split("\n").at(-1));
  };
  const importMedian = (specifiers: readonly string[]) => {
    importOnce(specifiers); // the file system cache warm for every contender alike
    return round(median(Array.from({ length: runs }, () => importOnce(specifiers))));
  };

  const contenders: Record<string, readonly string[]> = {
    "effect modules the kernel uses": kernelEffectModules,
    "effect/Schema alone": ["effect/Schema"],
    "effect (the barrel)": ["effect"],
    croner: ["croner"],
    ...Object.fromEntries(built.map((name) => [name, [name]])),
  };
  if (built.includes("@schedkit/kernel")) contenders["@schedkit/kernel/testing"] = ["@schedkit/kernel/testing"];
  const imports: Record<string, number> = {};
  for (const [name, specifiers] of Object.entries(contenders)) imports[name] = importMedian(specifiers);
  const needed = imports["effect modules the kernel uses"] as number;
  log(
    `7. import time: fresh node process, \`await import(...)\`, median of ${runs} (ms; ratio to the Effect modules the kernel uses)`,
  );
  for (const [name, ms] of Object.entries(imports)) {
    log(`   ${name.padEnd(32)} ${String(ms).padStart(7)} ms   ${(ms / needed).toFixed(2)}×`);
  }

  // A consumer's compile: a hello-world app on the built .d.ts, tsc --strict.
  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "main.ts"),
    `import { createRunner } from "@schedkit/kernel";

const runner = createRunner();
const cleanup = runner.install({
  id: "cleanup",
  interval: 60_000,
  createFn: () => ({ deleted: 0 }),
  mainFn: async () => ({ count: 1 }),
  mergeFn: (state, output) => ({ deleted: state.deleted + output.count }),
});
cleanup.spawn();
runner.start();
console.log(cleanup.getState().deleted);
`,
  );
  const tsconfig = (skipLibCheck: boolean) =>
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        noEmit: true,
        skipLibCheck,
        types: [],
        lib: ["ES2023", "DOM"],
      },
      files: ["main.ts"],
    });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const compile = (skipLibCheck: boolean) => {
    writeFileSync(join(app, "tsconfig.json"), tsconfig(skipLibCheck));
    const times: number[] = [];
    let files = 0;
    let effectFiles = 0;
    let ok = true;
    for (let index = 0; index < tscRuns; index++) {
      const start = performance.now();
      const result = spawnSync(process.execPath, [tsc, "-p", app, "--listFiles"], { cwd: app, encoding: "utf8" });
      times.push(performance.now() - start);
      ok &&= result.status === 0;
      if (!ok) log(result.stdout);
      const listed = result.stdout.split("\n").filter((line) => line.endsWith(".ts"));
      files = listed.length;
      effectFiles = listed.filter((line) => /[\\/]effect[\\/]/.test(line)).length;
    }
    return { ms: Math.round(median(times)), files, effectFiles, ok };
  };
  const typecheck = built.includes("@schedkit/kernel")
    ? { full: compile(false), skipLibCheck: compile(true) }
    : undefined;
  if (typecheck !== undefined) {
    log(`8. a consumer's tsc --strict on a hello-world app (the kernel's built dist/*.d.ts), median of ${tscRuns}`);
    for (const [name, entry] of Object.entries(typecheck)) {
      log(
        `   ${name === "full" ? "skipLibCheck: false" : "skipLibCheck: true "} ${String(entry.ms).padStart(6)} ms, ${entry.files} .d.ts/.ts files (${entry.effectFiles} of Effect)${entry.ok ? "" : " (tsc FAILED)"}`,
      );
    }
  }
  const ratio = (imports["@schedkit/kernel"] ?? Number.NaN) / needed;
  const result = { runs, imports, kernelOverNeeded: ratio, typecheck, built };
  console.log(JSON.stringify(result));
} finally {
  rmSync(work, { recursive: true, force: true });
}
