/**
 * A PostgreSQL server of one test's own, for tests that stop or restart it: the
 * shared SCHEDKIT_PG_URL server serves the other test files at the same time.
 * Made as scripts/with-postgres.sh makes its server: `initdb` into a temporary
 * directory (as the `postgres` system user when running as root: initdb and
 * pg_ctl refuse root), a free port on 127.0.0.1, fsync off. The binaries come
 * from SCHEDKIT_PG_BIN (exported by with-postgres.sh), else the first
 * /usr/lib/postgresql/<version>/bin with pg_ctl and initdb, else PATH.
 */
import { execFile } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PrivateServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`; the same across restarts. */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Starts the server (again) on the same port and data; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it (`pg_ctl stop -m fast`: sessions are ended, the data is kept); resolves when it is down. */
  stop(): Promise<void>;
  /** Stops it at once if it runs and removes its files. Never rejects. */
  remove(): Promise<void>;
  /** The server's log so far. */
  log(): string;
}

const binDir = (): string => {
  const given = process.env.SCHEDKIT_PG_BIN;
  if (given !== undefined && given !== "") return given;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort().reverse()) {
      const dir = join(root, version, "bin");
      if (existsSync(join(dir, "pg_ctl")) && existsSync(join(dir, "initdb"))) return dir;
    }
  }
  return ""; // PATH
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()));
    });
  });

/** Makes (initdb) and starts a throwaway server; `remove()` it when done. */
export const startPrivateServer = async (): Promise<PrivateServer> => {
  const bin = binDir();
  const tool = (name: string) => (bin === "" ? name : join(bin, name));
  const root = process.getuid?.() === 0;
  // As root the server runs as `postgres`, which must own the directory (with-postgres.sh makes that user).
  const as = (command: string, args: readonly string[]) =>
    root ? run("runuser", ["-u", "postgres", "--", command, ...args]) : run(command, [...args]);
  const dir = mkdtempSync("/tmp/schedkit-pg-private-");
  chmodSync(dir, 0o755);
  if (root) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  const port = await freePort();
  let running = false;

  const failure = (what: string, error: unknown) =>
    new Error(
      `${what} failed (binaries: ${bin === "" ? "PATH" : bin}): ${error instanceof Error ? error.message : String(error)}\n${
        existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2_000) : ""
      }`,
    );

  try {
    await as(tool("initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw failure("initdb", error);
  }

  const server: PrivateServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start: async () => {
      try {
        await as(tool("pg_ctl"), [
          "-D",
          data,
          "-l",
          logFile,
          "-w",
          "-t",
          "60",
          "-o",
          `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`,
          "start",
        ]);
        running = true;
      } catch (error) {
        throw failure("pg_ctl start", error);
      }
    },
    stop: async () => {
      try {
        await as(tool("pg_ctl"), ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"]);
        running = false;
      } catch (error) {
        throw failure("pg_ctl stop", error);
      }
    },
    remove: async () => {
      // postmaster.pid: a server runs, or a start that failed may have left one running.
      if (running || existsSync(join(data, "postmaster.pid"))) {
        try {
          await as(tool("pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
        } catch {
          // It may be down already.
        }
        running = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
  };
  try {
    await server.start();
  } catch (error) {
    await server.remove();
    throw error;
  }
  return server;
};
