#!/usr/bin/env bash
# What a newcomer runs on a public sample database, per sample: load it into a fresh database,
# `autogen init` in a new workspace (an empty entity crate, a sea-orm-cli migration crate),
# `autogen entities`, build, `stamp head`, `check` (must exit 0), `-m first` (must write
# nothing). Prints one line per sample: tables/columns/indexes/FKs, the time of `entities` and
# of `check`, and the changes `check` reported.
#
#   tests/samples/run.sh [sample ...]        # default: all of them
#   samples: pagila sakila-pg chinook-pg chinook-pg-serial chinook-pg-identity northwind
#            sakila-my chinook-my chinook-my-ai employees chinook-lite chinook-lite-ai sakila-lite
#
# The schemas are read from the fetched public repositories under /work/.mirror (not part of
# this repository); a sample whose repository is absent is skipped with a line saying so.
# Needs psql, mysql and python3, PostgreSQL at 127.0.0.1:5432 (postgres, trust) and MariaDB at
# 127.0.0.1:3306 (root). The workspaces build in $CARGO_TARGET_DIR/samples (one build, reused).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MIRROR=${MIRROR:-/work/.mirror}
PGBASE=${PGBASE:-postgres://postgres@127.0.0.1:5432}
MYBASE=${MYBASE:-mysql://root@127.0.0.1:3306}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WS_TARGET=$TARGET/samples
AUTOGEN=$TARGET/debug/autogen
SAMPLES=${*:-pagila sakila-pg chinook-pg chinook-pg-serial chinook-pg-identity northwind sakila-my chinook-my chinook-my-ai employees chinook-lite chinook-lite-ai sakila-lite}
KEEP=${KEEP:-}   # set: keep the workspaces (printed) for a look

[ -x "$AUTOGEN" ] || (cd "$ROOT" && cargo build -q -p autogen) || { echo "FAIL: cannot build autogen"; exit 1; }
tmp=$(mktemp -d)
pgdbs=(); mydbs=()
cleanup() {
  for d in "${pgdbs[@]}"; do psql "$PGBASE/postgres" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1; done
  for d in "${mydbs[@]}"; do mysql -h 127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1; done
  [ -n "$KEEP" ] || rm -rf "$tmp"
}
trap cleanup EXIT

source "$ROOT/tests/samples/lib.sh"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
status=0
for s in $SAMPLES; do
  load "$s"; rc=$?
  [ $rc = 2 ] && { echo "$s: skipped (no fetched repository under $MIRROR)"; continue; }
  [ $rc = 0 ] || { echo "$s: FAIL: does not load: $(tail -c 300 "$tmp/load.log")"; status=1; continue; }
  size=$(sizes)
  ws=$(make_ws "$s"); log=$tmp/$s
  # init needs an entity crate to find: entities first, then init, then entities again (which
  # wires the extra indexes into the binary init wrote); the second run is the one timed.
  (cd "$ws" && DATABASE_URL=$url "$AUTOGEN" entities --dir entity/src >"$log.entities" 2>&1 </dev/null) || { echo "$s: FAIL: entities: $(tail -c 300 "$log.entities")"; status=1; continue; }
  (cd "$ws" && "$AUTOGEN" init --toolkit-path "$ROOT" >"$log.init" 2>&1) || { echo "$s: FAIL: init: $(tail -c 300 "$log.init")"; status=1; continue; }
  t0=$(date +%s%N)
  (cd "$ws" && DATABASE_URL=$url "$AUTOGEN" --json entities --dir entity/src >"$log.entities" 2>&1 </dev/null) || { echo "$s: FAIL: entities: $(tail -c 300 "$log.entities")"; status=1; continue; }
  t_ent=$(ms "$t0")
  undeclared=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["undeclared"]))' "$log.entities" 2>/dev/null || echo "?")
  (cd "$ws" && CARGO_TARGET_DIR=$WS_TARGET cargo build -q --bin autogen >"$log.build" 2>&1) || { echo "$s: FAIL: the written entities do not build: $(grep -m3 -A6 -E '^error' "$log.build" | head -20)"; status=1; continue; }
  agx() { (cd "$ws" && DATABASE_URL=$url "$WS_TARGET/debug/autogen" "$@" </dev/null); }
  agx stamp head >"$log.stamp" 2>&1 || { echo "$s: FAIL: stamp head: $(tail -c 300 "$log.stamp")"; status=1; continue; }
  t0=$(date +%s%N)
  agx check >"$log.check" 2>&1; crc=$?
  t_check=$(ms "$t0")
  agx --json diff >"$log.diff" 2>/dev/null
  changes=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("changes", [])))' "$log.diff" 2>/dev/null || echo "?")
  ls "$ws/migration/src" >"$log.files"
  agx -m first >"$log.m" 2>&1; mrc=$?
  written=$(comm -13 "$log.files" <(ls "$ws/migration/src") | tr '\n' ' ')
  verdict=ok
  { [ $crc = 0 ] && [ $mrc = 0 ] && [ -z "$written" ]; } || { verdict=FAIL; status=1; }
  echo "$s ($backend): $size; entities ${t_ent} ms ($undeclared undeclared), check ${t_check} ms exit $crc, $changes change(s); -m first exit $mrc${written:+ wrote $written}: $verdict"
  if [ $verdict = FAIL ]; then sed 's/^/    /' "$log.check" | head -${DETAIL:-40}; fi
  [ -n "$KEEP" ] && echo "    workspace: $ws ($url)"
done
exit $status
