#!/usr/bin/env node
// Prints vitest's JSON report as the one line CI reads: "N passed, N failed".
// A missing or empty report counts as a failure, never as a pass.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".vitest-results.json";
if (!existsSync(file)) {
  console.log("0 passed, 1 failed");
  console.error(`no test report at ${file}`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, "utf8"));
const passed = report.numPassedTests ?? 0;
// Files that failed without a failed test (they did not load, or a hook threw) count as failures too.
// (numFailedTestSuites counts describe blocks as well, so it is not used.)
const failed = (report.numFailedTests ?? 0) + failedFilesWithoutFailedTests(report);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

function failedFilesWithoutFailedTests(json) {
  return (json.testResults ?? []).filter(
    (file) => file.status === "failed" && !(file.assertionResults ?? []).some((test) => test.status === "failed"),
  ).length;
}
