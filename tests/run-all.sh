#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine: installs what the tests need first
# (kcat and etcd from Debian, kafkajs from npm), then runs the .NET test projects and prints one
# "N passed, N failed" line. Usage: tests/run-all.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

need_apt=()
command -v kcat >/dev/null 2>&1 || need_apt+=(kcat)
# etcd for the cluster tests (Platform.Cluster.Tests start their own members on free ports).
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
if ((${#need_apt[@]})); then
  echo "== installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}" >/dev/null
fi
command -v node >/dev/null 2>&1 || { echo "node is required for the kafkajs interop tests" >&2; exit 1; }

echo "== installing Node packages for interop tests"
(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)

echo "== building"
dotnet build Platform.sln -c Release -warnaserror -v q -nologo
# `platform` as the README installs it, a native executable (NativeExecutableTests run it); its trimming and AOT
# warnings are errors too.
echo "== publishing the native platform"
rm -rf artifacts/native
dotnet publish src/Platform/Platform.Host -c Release -r linux-x64 -warnaserror -v q -nologo -o artifacts/native

# A throwaway PostgreSQL for the connector tests (they read PLATFORM_TEST_PG and fail without it under CI=true).
source tests/pg.sh
echo "== starting a throwaway PostgreSQL"
# Unless a port is given, the first free one from 55439 on: a server left running there by something else
# must not stop the run.
if [ -z "${PG_PORT:-}" ]; then
  PG_PORT=55439
  while (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; do PG_PORT=$((PG_PORT + 1)); done
fi
pg_start
trap pg_stop EXIT

results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
status=0
# A test that hangs is killed (and reported as failed) instead of holding CI until its time limit.
dotnet test Platform.sln -c Release --no-build -nologo -v q --blame-hang-timeout 10m --blame-hang-dump-type none \
  --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line for CI, summed over every test project's TRX report.
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find(".//{*}Counters")
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    skipped += int(counters.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
