#!/usr/bin/env bash
# scripts/local-postgres.sh start|stop|status|url|psql [ARGS...]|destroy
#
# A persistent PostgreSQL server for development (examples/fleet uses it), unlike
# scripts/with-postgres.sh, which starts a throwaway one around one command.
#
#   start    initdb on first use, then start the server (already running: says so, exits 0)
#   stop     stop it (fast shutdown; not running: says so, exits 0)
#   status   "running" or "stopped" with the URL; exit 0 when running, 3 when not
#   url      print the connection URL (postgres://postgres@127.0.0.1:PORT/postgres)
#   psql     run psql on it, with any further arguments
#   destroy  stop it and delete its data directory
#
# Files live in .schedkit-postgres/ at the repository root (gitignored), or in
# $SCHEDKIT_PG_DIR: data/ (the cluster), server.log, port, url. The port is chosen
# at the first start ($SCHEDKIT_PG_PORT, or a free one) and kept, so the URL stays
# the same across restarts. The server listens on 127.0.0.1 only, with trust
# authentication for the `postgres` user: for development, never for anything else.
# As root, the server runs as the `postgres` system user (initdb and pg_ctl refuse
# root), and Debian's `postgresql` package is installed when the binaries are missing.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${SCHEDKIT_PG_DIR:-$root/.schedkit-postgres}
data="$dir/data"

say() { echo "local-postgres: $*" >&2; }
usage() {
  echo "usage: scripts/local-postgres.sh start|stop|status|url|psql [ARGS...]|destroy" >&2
  exit 2
}

[ $# -ge 1 ] || usage
command=$1
shift

find_bin() {
  local bin_dir
  for bin_dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$bin_dir/pg_ctl" ] && [ -x "$bin_dir/initdb" ]; then
      echo "$bin_dir"
      return 0
    fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  return 1
}

# Sets $bin; installs the server binaries when missing and we are root (only `start` asks for that).
need_bin() {
  bin=$(find_bin) && return 0
  if [ "${1:-}" != "install" ]; then
    say "no PostgreSQL server binaries (initdb, pg_ctl) found: run scripts/local-postgres.sh start"
    exit 2
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "no PostgreSQL server binaries (initdb, pg_ctl) found; install Debian's postgresql package (sudo apt-get install -y postgresql)"
    exit 2
  fi
  say "installing PostgreSQL server binaries (apt-get install -y postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; } || {
    say "apt-get could not install postgresql"
    exit 2
  }
  bin=$(find_bin) || {
    say "postgresql installed but initdb/pg_ctl not found"
    exit 2
  }
}

as_server_user=()
if [ "$(id -u)" -eq 0 ]; then
  as_server_user=(runuser -u postgres --)
fi
# The server's tools run from a directory the server user can read (the caller's may not be).
server() { (cd "$dir" && "${as_server_user[@]}" "$@"); }

port() { cat "$dir/port" 2>/dev/null; }
url() { echo "postgres://postgres@127.0.0.1:$(port)/postgres"; }

running() {
  [ -f "$data/PG_VERSION" ] || return 1
  server "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

start() {
  need_bin install
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres || {
      say "cannot create the postgres user"
      exit 2
    }
  fi
  mkdir -p "$dir" || exit 2
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir" && chmod 755 "$dir" || exit 2
    runuser -u postgres -- test -w "$dir" || {
      say "the postgres user cannot reach $dir (a parent directory is closed to it); set SCHEDKIT_PG_DIR to a directory it can use, e.g. /var/tmp/schedkit-postgres"
      exit 2
    }
  fi
  if running; then
    say "already running: $(url)"
    url
    return 0
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a new cluster in $data"
    server "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      say "initdb failed"
      exit 2
    }
  fi
  if [ ! -s "$dir/port" ]; then
    local chosen=${SCHEDKIT_PG_PORT:-}
    if [ -z "$chosen" ]; then
      chosen=$(node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });') || {
        say "could not find a free port (is node installed?); set SCHEDKIT_PG_PORT"
        exit 2
      }
    fi
    echo "$chosen" >"$dir/port"
  fi
  # Durable settings (the defaults): this server keeps its data across restarts.
  server "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-p $(port) -k $dir -c listen_addresses=127.0.0.1 -c max_connections=100" \
    start >/dev/null || {
    tail -n 20 "$dir/server.log" >&2
    say "the server did not start (port $(port) taken? delete $dir/port to pick another one)"
    exit 2
  }
  url >"$dir/url"
  say "$("$bin/postgres" --version | awk '{print "PostgreSQL", $3}') running on 127.0.0.1:$(port) (data: $data, log: $dir/server.log)"
  url
}

stop() {
  need_bin
  if ! running; then
    say "not running"
    return 0
  fi
  server "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || {
    say "pg_ctl stop failed"
    exit 2
  }
  say "stopped"
}

case "$command" in
start) start ;;
stop) stop ;;
status)
  need_bin
  if running; then
    echo "running: $(url)"
  else
    echo "stopped${SCHEDKIT_PG_DIR:+ ($dir)}"
    exit 3
  fi
  ;;
url)
  if [ ! -s "$dir/port" ]; then
    say "no server yet: run scripts/local-postgres.sh start"
    exit 2
  fi
  url
  ;;
psql)
  if [ ! -s "$dir/port" ]; then
    say "no server yet: run scripts/local-postgres.sh start"
    exit 2
  fi
  psql_bin=$(command -v psql || true)
  if [ -z "$psql_bin" ]; then
    need_bin
    psql_bin="$bin/psql"
  fi
  exec "$psql_bin" "$(url)" "$@"
  ;;
destroy)
  need_bin
  stop
  if [ -f "$data/PG_VERSION" ] || [ -s "$dir/port" ]; then
    rm -rf "$data" "$dir/port" "$dir/url" "$dir/server.log" "$dir/initdb.log"
    rmdir "$dir" 2>/dev/null || true
    say "deleted $data"
  else
    say "nothing to delete in $dir"
  fi
  ;;
*) usage ;;
esac
