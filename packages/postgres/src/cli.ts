import { parseArgs } from "node:util";
import { isSchedkitError } from "@schedkit/kernel";
import pg from "pg";
import { quoteSchema, schemaVersion } from "./internal/sql.js";

const USAGE = `schedkit-pg: what a schedkit fleet's PostgreSQL store holds, for operators

Usage:
  schedkit-pg status [options]          leases (owner, epoch, time left), live nodes, fires per node
  schedkit-pg fires [options]           the most recent fires and how they ended
  schedkit-pg prune --older-than DUR    delete finished fire records, answers and nodes not seen for
                                        DUR (at least 1h; e.g. 7d, 12h); the log prunes itself

Options:
  --url URL         the database (default: $DATABASE_URL, then $SCHEDKIT_PG_URL)
  --schema NAME     the store's schema (default: schedkit)
  --program ID      fires: only this program's
  --limit N         fires: how many (default 20)
  --json            machine-readable output
  -h, --help        this text
`;

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

const HOUR = 3_600_000;
const units: Record<string, number> = { s: 1_000, m: 60_000, h: HOUR, d: 24 * HOUR };

/** `7d`, `12h`, `30m`, `45s` as ms, or undefined. */
export const parseDuration = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * (units[match[2] ?? ""] ?? 0);
};

const table = (rows: readonly Record<string, unknown>[], columns: readonly string[]): string => {
  const cells = rows.map((row) => columns.map((column) => (row[column] === null ? "-" : String(row[column]))));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...cells.map((cell) => cell[index]?.length ?? 0)),
  );
  const line = (values: readonly string[]) => values.map((value, index) => value.padEnd(widths[index] ?? 0)).join("  ");
  return `${[line(columns), ...cells.map(line)].join("\n")}\n`;
};

const nowMs = "floor(extract(epoch FROM clock_timestamp()) * 1000)";

/** Runs the command line; resolves with the exit status. */
export const runCli = async (argv: readonly string[], io: CliIo = defaultIo): Promise<number> => {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`schedkit-pg: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help === true || command === undefined) {
    (command === undefined && values.help !== true ? io.err : io.out)(USAGE);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  if (!["status", "fires", "prune"].includes(command)) {
    io.err(`schedkit-pg: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  const url = values.url ?? io.env.DATABASE_URL ?? io.env.SCHEDKIT_PG_URL;
  if (url === undefined || url === "") {
    io.err("schedkit-pg: no database: pass --url or set DATABASE_URL\n");
    return 2;
  }
  let s: string;
  const schema = values.schema ?? "schedkit";
  try {
    s = quoteSchema(schema);
  } catch (error) {
    io.err(`schedkit-pg: ${(error as Error).message}\n`);
    return 2;
  }
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit <= 0) {
    io.err(`schedkit-pg: --limit must be a positive integer, got ${values.limit}\n`);
    return 2;
  }
  const olderThan = values["older-than"] === undefined ? undefined : parseDuration(values["older-than"]);
  // Younger answers may still be awaited by a caller, and younger fires looked at by an operator.
  if (command === "prune" && (olderThan === undefined || olderThan < HOUR)) {
    io.err(
      `schedkit-pg: prune needs --older-than DUR of at least 1h (like 7d, 12h), got ${values["older-than"] ?? "nothing"}\n`,
    );
    return 2;
  }

  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on("error", () => {});
  try {
    const version = await pool.query("SELECT to_regclass($1) IS NOT NULL AS present", [`${s}.schema_version`]);
    if (version.rows[0]?.present !== true) {
      io.err(`schedkit-pg: schema "${schema}" holds no schedkit store (no ${schema}.schema_version)\n`);
      return 1;
    }
    const print = (data: unknown, text: string) =>
      io.out(values.json === true ? `${JSON.stringify(data, null, 2)}\n` : text);
    if (command === "status") {
      const at = await pool.query(`SELECT max(version) AS version FROM ${s}.schema_version`);
      const leases = await pool.query(
        `SELECT shard, owner, epoch, CASE WHEN expires_at = '-Infinity' THEN NULL ELSE round((expires_at - ${nowMs})::numeric) END AS ms_left,
                head AS log_head
         FROM ${s}.leases ORDER BY shard`,
      );
      const nodes = await pool.query(
        `SELECT node, round((${nowMs} - last_seen)::numeric) AS seen_ms_ago FROM ${s}.nodes ORDER BY last_seen DESC`,
      );
      const fires = await pool.query(
        `SELECT node, count(*)::int AS fires, count(*) FILTER (WHERE completed IS NULL)::int AS unfinished,
                count(*) FILTER (WHERE completed = 'errored')::int AS errored,
                to_char(max(recorded_at), 'YYYY-MM-DD HH24:MI:SS') AS last_fire
         FROM ${s}.fires GROUP BY node ORDER BY node`,
      );
      const leaseRows = leases.rows.map((row) => ({
        ...row,
        state: row.owner === null ? "never held" : row.ms_left === null || Number(row.ms_left) <= 0 ? "free" : "held",
      }));
      print(
        { schema, version: Number(at.rows[0]?.version), leases: leaseRows, nodes: nodes.rows, fires: fires.rows },
        `schema ${schema} (version ${at.rows[0]?.version}; this package writes ${schemaVersion})\n\nleases\n${table(leaseRows, ["shard", "state", "owner", "epoch", "ms_left", "log_head"])}\nnodes (scans within their ttl are live)\n${table(nodes.rows, ["node", "seen_ms_ago"])}\nfires by node\n${table(fires.rows, ["node", "fires", "unfinished", "errored", "last_fire"])}`,
      );
      return 0;
    }
    if (command === "fires") {
      const fires = await pool.query(
        `SELECT fire_id, node, epoch, to_char(to_timestamp(scheduled_at / 1000), 'YYYY-MM-DD HH24:MI:SS.MS') AS due,
                round((started_at - scheduled_at)::numeric) AS lag_ms, completed
         FROM ${s}.fires WHERE ($1::text IS NULL OR program_id = $1) ORDER BY recorded_at DESC, fire_id LIMIT $2`,
        [values.program ?? null, limit],
      );
      print(fires.rows, table(fires.rows, ["fire_id", "node", "epoch", "due", "lag_ms", "completed"]));
      return 0;
    }
    const cutoff = `clock_timestamp() - make_interval(secs => $1::float8 / 1000)`;
    const fires = await pool.query(`DELETE FROM ${s}.fires WHERE completed IS NOT NULL AND recorded_at < ${cutoff}`, [
      olderThan,
    ]);
    const answers = await pool.query(`DELETE FROM ${s}.answers WHERE answered_at < ${cutoff}`, [olderThan]);
    // A node not seen for that long is gone; if it comes back, its next scan lists it again.
    const nodes = await pool.query(`DELETE FROM ${s}.nodes WHERE last_seen < ${nowMs} - $1::float8`, [olderThan]);
    const counts = { fires: fires.rowCount ?? 0, answers: answers.rowCount ?? 0, nodes: nodes.rowCount ?? 0 };
    print(
      counts,
      `deleted ${counts.fires} finished fire records, ${counts.answers} answers and ${counts.nodes} nodes not seen for ${values["older-than"]}\n`,
    );
    return 0;
  } catch (error) {
    const code = typeof (error as { code?: unknown }).code === "string" ? ` (${(error as { code: string }).code})` : "";
    io.err(
      `schedkit-pg: ${isSchedkitError(error) ? error.message : error instanceof Error ? error.message : String(error)}${code}\n`,
    );
    return 1;
  } finally {
    await pool.end();
  }
};

const parse = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      url: { type: "string" },
      schema: { type: "string" },
      program: { type: "string" },
      limit: { type: "string" },
      "older-than": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
