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

CH=ChinookDatabase/DataSources
show() { git --git-dir="$MIRROR/$1/repo" show "${3:-HEAD}:$2"; }
have() { git --git-dir="$MIRROR/$1/repo" cat-file -e "${3:-HEAD}:$2" 2>/dev/null; }
# pagila after 23f7fe7 uses uuidv7() (PostgreSQL 18); the last schema before it:
PAGILA_REV=${PAGILA_REV:-23f7fe7}

# ---- loading: each sets url, backend -----------------------------------------------------------
new_pg() { local d="samples_$(date +%s%N | tail -c 9)_$RANDOM"; psql "$PGBASE/postgres" -qc "CREATE DATABASE $d" >/dev/null || return 1; pgdbs+=("$d"); url=$PGBASE/$d; backend=postgres; }
new_my() { local d="samples_$(date +%s%N | tail -c 9)_$RANDOM"; mysql -h 127.0.0.1 -uroot -e "CREATE DATABASE $d" || return 1; mydbs+=("$d"); url=$MYBASE/$d; backend=mysql; }
new_lite() { local f="$tmp/$1.db"; rm -f "$f"; url="sqlite://$f?mode=rwc"; backend=sqlite; litefile=$f; }
pg_load() { psql -v ON_ERROR_STOP=1 -q "$url" >"$tmp/load.log" 2>&1; }
my_load() { mysql -h 127.0.0.1 -uroot "${url##*/}" >"$tmp/load.log" 2>&1; }
lite_load() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit()' "$litefile" 2>"$tmp/load.log"; }

load() { # sample -> 0 loaded, 2 absent, 1 failed
  case $1 in
    pagila) have devrimgunduz+pagila pagila-schema.sql "$PAGILA_REV" || return 2; new_pg || return 1
      show devrimgunduz+pagila pagila-schema.sql "$PAGILA_REV" | pg_load ;;   # its data file is not stored
    sakila-pg) have jOOQ+sakila postgres-sakila-db/postgres-sakila-schema.sql || return 2; new_pg || return 1
      show jOOQ+sakila postgres-sakila-db/postgres-sakila-schema.sql | pg_load ;;   # its data files are not stored
    chinook-pg|chinook-pg-serial|chinook-pg-identity) local f=Chinook_PostgreSql.sql
      [ $1 = chinook-pg-serial ] && f=Chinook_PostgreSql_SerialPKs.sql
      [ $1 = chinook-pg-identity ] && f=Chinook_PostgreSql_AutoIncrementPKs.sql
      have lerocha+chinook-database $CH/$f || return 2; new_pg || return 1
      show lerocha+chinook-database $CH/$f | grep -vE '^(DROP DATABASE|CREATE DATABASE|\\c )' | pg_load ;;
    northwind) have pthom+northwind_psql northwind.sql || return 2; new_pg || return 1
      show pthom+northwind_psql northwind.sql | pg_load ;;
    sakila-my) have jOOQ+sakila mysql-sakila-db/mysql-sakila-schema.sql || return 2; new_my || return 1
      # its views name the schema `sakila.`: the fresh database instead; the data file is not stored
      show jOOQ+sakila mysql-sakila-db/mysql-sakila-schema.sql | grep -vE '^(DROP SCHEMA|CREATE SCHEMA|USE )' | sed 's/sakila\.//g' | my_load ;;
    chinook-my|chinook-my-ai) local f=Chinook_MySql.sql; [ $1 = chinook-my-ai ] && f=Chinook_MySql_AutoIncrementPKs.sql
      have lerocha+chinook-database $CH/$f || return 2; new_my || return 1
      show lerocha+chinook-database $CH/$f | grep -vE '^(DROP DATABASE|CREATE DATABASE|USE )' | my_load ;;
    employees) have datacharmer+test_db employees.sql || return 2; new_my || return 1
      show datacharmer+test_db employees.sql | sed -n '/^DROP TABLE/,/^flush/{/^flush/!p}' | my_load ;;   # the data dumps are not stored
    chinook-lite|chinook-lite-ai) local f=Chinook_Sqlite.sql; [ $1 = chinook-lite-ai ] && f=Chinook_Sqlite_AutoIncrementPKs.sql
      have lerocha+chinook-database $CH/$f || return 2; new_lite "$1"
      show lerocha+chinook-database $CH/$f | lite_load ;;
    sakila-lite) have jOOQ+sakila sqlite-sakila-db/sqlite-sakila-schema.sql || return 2; new_lite "$1"
      show jOOQ+sakila sqlite-sakila-db/sqlite-sakila-schema.sql | lite_load ;;   # its data file is not stored
    *) echo "unknown sample $1"; return 1 ;;
  esac
}

sizes() { # -> "T tables, C columns, I indexes, F FKs"
  case $backend in
    postgres) psql "$url" -tAc "select (select count(*) from pg_tables where schemaname not in ('pg_catalog','information_schema'))||' tables, '||(select count(*) from information_schema.columns c join pg_tables t on t.schemaname=c.table_schema and t.tablename=c.table_name where t.schemaname not in ('pg_catalog','information_schema'))||' columns, '||(select count(*) from pg_indexes where schemaname not in ('pg_catalog','information_schema'))||' indexes, '||(select count(*) from pg_constraint where contype='f')||' FKs'" ;;
    mysql) local d=${url##*/}; mysql -h 127.0.0.1 -uroot -NB -e "select concat((select count(*) from information_schema.tables where table_schema='$d' and table_type='BASE TABLE'),' tables, ',(select count(*) from information_schema.columns c join information_schema.tables t using (table_schema,table_name) where table_schema='$d' and table_type='BASE TABLE'),' columns, ',(select count(distinct table_name,index_name) from information_schema.statistics where table_schema='$d'),' indexes, ',(select count(*) from information_schema.referential_constraints where constraint_schema='$d'),' FKs')" ;;
    sqlite) python3 -c '
import sqlite3,sys
c=sqlite3.connect(sys.argv[1]); ts=[r[0] for r in c.execute("select name from sqlite_master where type=\"table\" and name not like \"sqlite_%\"")]
cols=sum(len(c.execute("select * from pragma_table_info(?)",(t,)).fetchall()) for t in ts)
idx=c.execute("select count(*) from sqlite_master where type=\"index\"").fetchone()[0]
fks=sum(len({r[0] for r in c.execute("select * from pragma_foreign_key_list(?)",(t,))}) for t in ts)
print(f"{len(ts)} tables, {cols} columns, {idx} indexes, {fks} FKs")' "$litefile" ;;
  esac
}

make_ws() { # -> workspace dir: an empty entity crate, sea-orm-cli's migration crate
  local w=$tmp/ws-$1; rm -rf "$w"; mkdir -p "$w/entity/src" "$w/migration/src"
  cp "$ROOT/Cargo.lock" "$w/Cargo.lock"
  printf '[workspace]\nresolver = "3"\nmembers = ["entity", "migration"]\n' >"$w/Cargo.toml"
  printf '[package]\nname = "entity"\nversion = "0.1.0"\nedition = "2024"\npublish = false\n\n[lib]\nname = "entity"\npath = "src/lib.rs"\n\n[dependencies]\nsea-orm = { version = "2.0" }\n' >"$w/entity/Cargo.toml"
  echo '//! @generated by sea-orm-codegen 2.0 (empty)' >"$w/entity/src/lib.rs"
  cp "$ROOT"/tests/samples/migration/Cargo.toml.in "$w/migration/Cargo.toml"
  cp "$ROOT"/tests/samples/migration/src/*.rs "$w/migration/src/"
  echo "$w"
}

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
