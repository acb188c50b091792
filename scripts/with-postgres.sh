#!/usr/bin/env bash
# scripts/with-postgres.sh COMMAND [ARGS...]
#
# Starts a throwaway PostgreSQL server (initdb into a temporary directory, a free
# port on 127.0.0.1), runs COMMAND with SCHEDKIT_PG_URL pointing at it, stops the
# server, removes its files, and exits with COMMAND's status. CI and developers use
# the same script. As root, the server runs as the `postgres` system user (initdb
# and pg_ctl refuse root), and Debian's `postgresql` package is installed first
# when the server binaries are missing.
set -uo pipefail

if [ $# -eq 0 ]; then
  echo "usage: scripts/with-postgres.sh COMMAND [ARGS...]" >&2
  exit 2
fi

say() { echo "with-postgres: $*" >&2; }

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  return 1
}

bin=$(find_bin)
if [ -z "$bin" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "no PostgreSQL server binaries (initdb, pg_ctl) found; install Debian's postgresql package (apt-get install -y postgresql)"
    exit 2
  fi
  say "installing PostgreSQL server binaries (apt-get install -y postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; } || {
    say "apt-get could not install postgresql"
    exit 2
  }
  bin=$(find_bin) || { say "postgresql installed but initdb/pg_ctl not found"; exit 2; }
fi

as_server_user=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres || { say "cannot create the postgres user"; exit 2; }
  as_server_user=(runuser -u postgres --)
fi

dir=$(mktemp -d /tmp/schedkit-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"

port=$(node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')

stop_server() {
  "${as_server_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$dir"
}

"${as_server_user[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  say "initdb failed"
  rm -rf "$dir"
  exit 2
}
# fsync off: a throwaway test server, fast and disposable.
"${as_server_user[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || {
  cat "$dir/server.log" >&2
  say "the server did not start"
  stop_server
  exit 2
}
trap stop_server EXIT
trap 'exit 130' INT TERM

export SCHEDKIT_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
export SCHEDKIT_PG_DATA="$dir/data"
export SCHEDKIT_PG_BIN="$bin"
say "$("$bin/postgres" --version | awk '{print "PostgreSQL", $3}') on 127.0.0.1:$port (SCHEDKIT_PG_URL)"
"$@"
status=$?
exit $status
