// `pnpm schedkit-pg ...` in the workspace: the operator CLI from source (the published bin runs dist/cli.js).
import { runCli } from "../packages/postgres/src/cli.js";

process.exitCode = await runCli(process.argv.slice(2));
