#!/usr/bin/env node
// The kernel's public declarations must not make a consumer's compile load Effect's
// Schema (issue #15, section 2): walk the .d.ts files reachable from each entry point
// of packages/kernel/dist and fail on any Schema import or type, or any Effect module at all
// (an Effect returned by a job is matched structurally: `EffectLike` in Program.ts).
// Run after `pnpm --filter @schedkit/kernel build`; check-packages.mjs runs it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const dist = join(root, "packages", "kernel", "dist");
const entries = ["index.d.ts", "testing/index.d.ts"].map((file) => join(dist, file));
const allowedEffect = new Set();

export const checkDeclarations = () => {
  const problems = [];
  const seen = new Set();
  const queue = [...entries];
  for (const entry of entries) if (!existsSync(entry)) problems.push(`${relative(root, entry)}: missing (build first)`);
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    const where = relative(root, file);
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      const specifier = match[1];
      if (specifier.startsWith(".")) {
        queue.push(join(dirname(file), specifier.replace(/\.js$/, ".d.ts")));
      } else if (specifier === "effect" || specifier.startsWith("effect/")) {
        if (!allowedEffect.has(specifier)) problems.push(`${where}: imports ${specifier}`);
      }
    }
    if (/\bSchema(Issue)?\s*\.|\bSchema\.(Struct|Top|Codec)\b|typeof\s+\w*Schema\b/.test(text)) {
      problems.push(`${where}: refers to a Schema type`);
    }
  }
  return { files: seen.size, problems };
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { files, problems } = checkDeclarations();
  if (problems.length > 0) {
    console.error(`kernel declarations: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`kernel declarations: ${files} public .d.ts files, no Schema type, no Effect module`);
}
