#!/usr/bin/env bash
# The adoption path most teams take, on the public sample databases of run.sh: entities from
# SeaORM's own `sea-orm-cli generate entity` (2.0.4, default (compact) format, --with-serde
# none), then autogen. Per sample: load it into a fresh database, a new workspace (an empty
# entity crate, sea-orm-cli's migration crate), `sea-orm-cli generate entity --lib` into
# entity/src, `autogen init`, build, `stamp head`, `diff` (what sea-orm-cli's entities lose), `adopt`
# followed as the README says (its attributes put on the fields by follow_adopt.py,
# `adopt --write` for the indexes), build, `check`, then `-m first` without a
# terminal and without --accept-data-loss (the gate: must refuse, or write nothing that drops
# a column, a table or an unmanaged object), then `-m first --accept-data-loss`, `upgrade`,
# and what the database lost (columns, indexes, triggers, views, sequences, rows), and
# `downgrade -1`. One line per sample; the details stay in $OUT/<sample>.* (default
# target/samples-sea-orm-cli).
#
#   tests/samples/sea-orm-cli.sh [sample ...]        # default: all of run.sh's samples
#
# Needs what run.sh needs and sea-orm-cli 2.0.4 ($SEA_ORM_CLI, else `sea-orm-cli` on PATH):
#   cargo install sea-orm-cli --version 2.0.4 --locked
# (a long build; CI does not install it, so this script is run by hand, not by the testsuite).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MIRROR=${MIRROR:-/work/.mirror}
PGBASE=${PGBASE:-postgres://postgres@127.0.0.1:5432}
MYBASE=${MYBASE:-mysql://root@127.0.0.1:3306}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WS_TARGET=$TARGET/samples
AUTOGEN=$TARGET/debug/autogen
OUT=${OUT:-$TARGET/samples-sea-orm-cli}
SEA_ORM_CLI=${SEA_ORM_CLI:-$(command -v sea-orm-cli)}
SAMPLES=${*:-pagila sakila-pg chinook-pg chinook-pg-serial chinook-pg-identity northwind sakila-my chinook-my chinook-my-ai employees chinook-lite chinook-lite-ai sakila-lite}
KEEP=${KEEP:-}

[ -x "$SEA_ORM_CLI" ] || { echo "FAIL: no sea-orm-cli (set SEA_ORM_CLI, or cargo install sea-orm-cli --version 2.0.4 --locked)"; exit 1; }
"$SEA_ORM_CLI" --version | grep -q ' 2\.0\.' || { echo "FAIL: $("$SEA_ORM_CLI" --version) is not sea-orm-cli 2.0"; exit 1; }
[ -x "$AUTOGEN" ] || (cd "$ROOT" && cargo build -q -p autogen) || { echo "FAIL: cannot build autogen"; exit 1; }
mkdir -p "$OUT"
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
# `autogen --json diff` -> "N change(s) [kind xK, ...]"
kinds() { python3 -c '
import json,sys,collections
try: d=json.load(open(sys.argv[1]))
except Exception: print("? (no diff)"); sys.exit()
c=collections.Counter(x.get("op","?") if isinstance(x,dict) else str(x) for x in d.get("changes",[]))
print("%d change(s)%s" % (sum(c.values()), (" [" + ", ".join("%s x%d" % kv for kv in c.most_common()) + "]") if c else ""))' "$1"; }
# the drops among them: tables, columns, foreign keys
drops() { python3 -c '
import json,sys
try: d=json.load(open(sys.argv[1]))
except Exception: sys.exit()
print(sum(1 for x in d.get("changes",[]) if isinstance(x,dict) and x.get("op") in ("drop_table","drop_column")))' "$1"; }

status=0
for s in $SAMPLES; do
  log=$OUT/$s; rm -f "$log".*
  load "$s"; rc=$?
  [ $rc = 2 ] && { echo "$s: skipped (no fetched repository under $MIRROR)"; continue; }
  [ $rc = 0 ] || { echo "$s: FAIL: does not load: $(tail -c 300 "$tmp/load.log")"; status=1; continue; }
  size=$(sizes)
  inventory >"$log.before"
  ws=$(make_ws "$s")
  t0=$(date +%s%N)
  (cd "$ws" && "$SEA_ORM_CLI" generate entity -u "$url" -o entity/src --lib --with-serde none >"$log.seaorm" 2>&1 </dev/null) || { echo "$s: FAIL: sea-orm-cli generate entity: $(tail -c 300 "$log.seaorm")"; status=1; continue; }
  t_gen=$(ms "$t0")
  ignored=$(grep -c 'sea_orm(ignore)' "$ws"/entity/src/*.rs | awk -F: '{n+=$2} END {print n+0}')
  (cd "$ws" && "$AUTOGEN" init --toolkit-path "$ROOT" >"$log.init" 2>&1) || { echo "$s: FAIL: init: $(tail -c 300 "$log.init")"; status=1; continue; }
  agx() { (cd "$ws" && DATABASE_URL=$url "$WS_TARGET/debug/autogen" "$@" </dev/null); }
  fallback=
  if ! (cd "$ws" && CARGO_TARGET_DIR=$WS_TARGET cargo build -q --bin autogen >"$log.build" 2>&1); then
    # What the README says then: the toolkit's own `entities` writes entities that build.
    fallback=" (sea-orm-cli's entities do not build: $(grep -m1 -E '^error' "$log.build"); replaced by \`autogen entities\`)"
    (cd "$ws" && DATABASE_URL=$url "$AUTOGEN" entities --dir entity/src >"$log.entities" 2>&1 </dev/null) || { echo "$s: FAIL: entities: $(tail -c 300 "$log.entities")"; status=1; continue; }
    (cd "$ws" && CARGO_TARGET_DIR=$WS_TARGET cargo build -q --bin autogen >"$log.build" 2>&1) || { echo "$s: FAIL: does not build after entities: $(grep -m3 -A6 -E '^error' "$log.build" | head -20)"; status=1; continue; }
  fi
  agx stamp head >"$log.stamp" 2>&1 || { echo "$s: FAIL: stamp head: $(tail -c 300 "$log.stamp")"; status=1; continue; }
  agx --json diff >"$log.diff0" 2>"$log.diff0.err"
  agx diff >"$log.diff0.txt" 2>&1
  before=$(kinds "$log.diff0")
  # adopt, followed: the attributes on the fields, the indexes written and wired.
  t0=$(date +%s%N)
  agx --json adopt >"$log.adopt.json" 2>"$log.adopt.err" || { echo "$s: FAIL: adopt: $(tail -c 300 "$log.adopt.err")"; status=1; continue; }
  t_adopt=$(ms "$t0")
  agx adopt >"$log.adopt" 2>&1
  followed=$(python3 "$ROOT/tests/samples/follow_adopt.py" "$log.adopt.json" "$ws/entity/src")
  agx adopt --write >"$log.adopt.write" 2>&1 || { echo "$s: FAIL: adopt --write: $(tail -c 300 "$log.adopt.write")"; status=1; continue; }
  # (cargo rebuilds only when adopt changed a file)
  (cd "$ws" && CARGO_TARGET_DIR=$WS_TARGET cargo build -q --bin autogen >"$log.build2" 2>&1) || { echo "$s: FAIL: adopt's suggestions do not build: $(grep -m3 -A6 -E '^error' "$log.build2" | head -20)"; status=1; continue; }
  t0=$(date +%s%N)
  agx check >"$log.check" 2>&1; crc=$?
  t_check=$(ms "$t0")
  agx --json diff >"$log.diff1" 2>/dev/null
  after=$(kinds "$log.diff1")
  dropping=$(drops "$log.diff1")
  # the gate: no terminal, no --accept-data-loss
  ls "$ws/migration/src" >"$log.files"
  agx -m first >"$log.m" 2>&1; mrc=$?
  written=$(comm -13 "$log.files" <(ls "$ws/migration/src") | tr '\n' ' ')
  verdict=ok
  if [ -n "$written" ]; then
    gate="wrote ${written% }"
    [ "${dropping:-0}" = 0 ] || { gate="$gate WITH $dropping drop(s) and no --accept-data-loss"; verdict=FAIL; }
  elif [ $mrc != 0 ]; then
    grep -q -- --accept-data-loss "$log.m" && gate="refused, naming --accept-data-loss" || { gate="failed: $(tail -c 200 "$log.m")"; verdict=FAIL; }
  else gate="nothing to write"; fi
  # with the gate accepted: apply, then see what the database lost
  applied=
  if [ -z "$written" ] && [ $mrc != 0 ]; then
    agx -m first --accept-data-loss >"$log.m2" 2>&1 || { applied="-m --accept-data-loss failed: $(tail -c 200 "$log.m2")"; verdict=FAIL; }
  fi
  if [ -z "$applied" ] && [ "$(ls "$ws/migration/src" | wc -l)" -gt "$(wc -l <"$log.files")" ]; then
    # as `cargo run --bin autogen -- upgrade` would: the binary with the new migration in it
    (cd "$ws" && CARGO_TARGET_DIR=$WS_TARGET cargo build -q --bin autogen >"$log.build3" 2>&1) || { echo "$s: FAIL: the first migration does not build: $(grep -m3 -A6 -E '^error' "$log.build3" | head -20)"; status=1; continue; }
    if agx upgrade >"$log.upgrade" 2>&1; then
      inventory >"$log.after"
      lost=$(LC_ALL=C comm -23 "$log.before" "$log.after" | grep -v '^sequence' | tr '\n' ';')
      applied="applied: ${lost:+LOST $lost}${lost:-nothing lost}"
      [ -z "$lost" ] || verdict=FAIL
      agx check >"$log.check2" 2>&1 || { applied="$applied; check after it exit $?"; verdict=FAIL; }
      agx downgrade -1 --yes >"$log.down" 2>&1 && applied="$applied; downgrade -1 ok" || { applied="$applied; downgrade -1 FAILED: $(tail -c 200 "$log.down")"; verdict=FAIL; }
    else applied="upgrade FAILED: $(tail -c 300 "$log.upgrade")"; verdict=FAIL; fi
  fi
  [ $verdict = ok ] || status=1
  echo "$s ($backend): $size; sea-orm-cli ${t_gen} ms ($ignored ignore)$fallback; before adopt: $before; adopt ${t_adopt} ms, $followed; after: check ${t_check} ms exit $crc, $after; -m first: $gate${applied:+; $applied}: $verdict"
  [ -n "$KEEP" ] && echo "    workspace: $ws ($url)"
done
exit $status
