#!/usr/bin/env node
// The published command line: the built CLI (dist/cli.js), run as a process.
import { runCli } from "../dist/cli.js";

process.exitCode = await runCli(process.argv.slice(2));
