#!/usr/bin/env bash
# Throwaway PostgreSQL for the connector tests: a fresh cluster in a temp directory on its own port,
# run as the 'postgres' OS user when invoked as root (postgres refuses to run as root), with
# wal_level=logical so the CDC connector can create replication slots.
#
#   tests/pg.sh start   # prints 'export PLATFORM_TEST_PG=...' (eval it) and leaves the server running
#   tests/pg.sh stop    # stops the server started from the same PG_PORT and removes its directory
#
# Or source it and call pg_start / pg_stop (tests/run-all.sh does). PG_PORT, PG_DATA, PG_DB, PG_USER
# and PG_PASS override the defaults.
pg_start() {
  : "${PG_PORT:=55439}" "${PG_DATA:=/tmp/platform-pg-$PG_PORT}" "${PG_DB:=platform}" "${PG_USER:=platform}" "${PG_PASS:=platform}"
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    local SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql >/dev/null || return 1
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; then echo "pg_start: port $PG_PORT already in use" >&2; return 1; fi
  local RUN=""; if [ "$(id -u)" -eq 0 ]; then RUN="runuser -u postgres --"; fi
  rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"; chmod 700 "$PG_DATA"
  if [ -n "$RUN" ]; then chown postgres:postgres "$PG_DATA"; fi
  # Unix socket trusted for setup only; TCP uses scram-sha-256 so the test user's password is really checked.
  # Replication connections over TCP need their own pg_hba line (the CDC connector uses one).
  $RUN "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale --auth-local=trust --auth-host=scram-sha-256 --no-sync \
    >"$PG_DATA.initdb.log" 2>&1 || { cat "$PG_DATA.initdb.log" >&2; return 1; }
  $RUN "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c wal_level=logical -c max_replication_slots=40 -c max_wal_senders=40" \
    start >/dev/null || { cat "$PG_DATA/server.log" >&2; return 1; }
  local i; for i in $(seq 1 100); do "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.2; done
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || { echo "pg_start: not ready" >&2; return 1; }
  # The test user may create databases (one per test class) and replication slots/publications.
  $RUN "$PG_BIN/psql" -q -h "$PG_DATA" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE \"$PG_USER\" LOGIN REPLICATION CREATEDB PASSWORD '$PG_PASS'" \
    -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\"" >/dev/null || return 1
  export PG_PORT PG_DATA PG_DB PG_USER PG_PASS PG_BIN
  export PLATFORM_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Database=$PG_DB;Username=$PG_USER;Password=$PG_PASS"
}

pg_stop() {
  : "${PG_PORT:=55439}" "${PG_DATA:=/tmp/platform-pg-$PG_PORT}"
  PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)}
  local RUN=""; if [ "$(id -u)" -eq 0 ]; then RUN="runuser -u postgres --"; fi
  if [ -f "$PG_DATA/postmaster.pid" ]; then $RUN "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null || true; fi
  rm -rf "$PG_DATA" "$PG_DATA.initdb.log"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start) pg_start; echo "export PLATFORM_TEST_PG='$PLATFORM_TEST_PG'" ;;
    stop) pg_stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
  esac
fi
