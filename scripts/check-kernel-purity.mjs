#!/usr/bin/env node
// The kernel's core must stay pure: time arrives in commands, randomness comes
// from its seeded generator, and it never sets timers or does I/O. Biome's
// noRestrictedGlobals catches the globals; this catches `Math.random`, which
// Biome cannot ban without banning all of `Math`. Runner and clock files are
// the imperative shell and are exempt, and so is the policy contract kit
// (src/testing), which measures a policy's time.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("../packages/kernel/src/", import.meta.url).pathname;
const shell = /(^|\/)(runner|clock|testing)(\/|\.|[A-Z])|(^|\/)(Runner|Clock)\.ts$/;
const banned = [
  [/\bDate\.now\b|\bnew Date\b/, "reads the clock"],
  [/\bMath\.random\b/, "draws ambient randomness (use the kernel's seeded generator)"],
  [/\bperformance\.now\b/, "reads the clock"],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/, "sets a timer"],
  [/\bprocess\./, "touches the process (I/O, environment)"],
  [/\bconsole\./, "does I/O"],
];

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });

const problems = [];
for (const file of files(root)) {
  const rel = relative(root, file);
  if (shell.test(rel)) continue;
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, index) => {
    if (/^\s*(\*|\/\*)/.test(line)) return; // doc comments may name what they forbid
    const code = line.replace(/\/\/.*$/, "");
    for (const [pattern, why] of banned) {
      if (pattern.test(code)) problems.push(`packages/kernel/src/${rel}:${index + 1}: ${why}: ${line.trim()}`);
    }
  });
}
if (problems.length > 0) {
  console.error(`Kernel purity check failed (${problems.length}):\n${problems.join("\n")}`);
  process.exit(1);
}
console.log("kernel purity: ok");
