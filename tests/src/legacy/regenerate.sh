#!/usr/bin/env bash
# Regenerates the sea-orm-cli entities of the legacy shops (tests/src/legacy/<backend>/*.rs)
# from their schema.sql, exactly as `sea-orm-cli 2.0.4 generate entity --lib --with-serde none`
# (default, compact format) writes them; only `lib.rs` becomes `mod.rs` (they are a module of
# the tests crate). The MariaDB ones go to mysql/sea_orm_cli/ and are no module: they do not
# compile (a MEDIUMINT UNSIGNED key becomes `ignore` + String), the tests read them as text.
#
# Run by hand when a schema.sql changes, then review and commit the diff. CI does not run it:
# installing sea-orm-cli (`cargo install sea-orm-cli --version 2.0.4 --locked`) is a build of
# several minutes that CI's time budget has no room for, so the output is committed.
#
#   SEA_ORM_CLI=/path/to/sea-orm-cli tests/src/legacy/regenerate.sh [postgres|mysql|sqlite ...]
#
# Needs psql/mysql clients, PostgreSQL at 127.0.0.1:5432 (postgres, trust), MariaDB at
# 127.0.0.1:3306 (root) and python3 (to load the SQLite schema).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SEA_ORM_CLI=${SEA_ORM_CLI:-$(command -v sea-orm-cli || true)}
[ -x "$SEA_ORM_CLI" ] || { echo "no sea-orm-cli: set SEA_ORM_CLI or cargo install sea-orm-cli --version 2.0.4 --locked" >&2; exit 1; }
version=$("$SEA_ORM_CLI" --version)
[ "$version" = "sea-orm-cli 2.0.4" ] || { echo "$version is not sea-orm-cli 2.0.4" >&2; exit 1; }
PGBASE=${PGBASE:-postgres://postgres@127.0.0.1:5432}
db="legacy_regen_$$"
tmp=$(mktemp -d)
trap 'psql "$PGBASE/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; mysql -h 127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

generate() { # url out
  rm -rf "$tmp/out"; mkdir -p "$tmp/out"
  "$SEA_ORM_CLI" generate entity -u "$1" -o "$tmp/out" --lib --with-serde none >/dev/null
  rm -f "$2"/*.rs; mkdir -p "$2"
  for f in "$tmp"/out/*.rs; do cp "$f" "$2/$(basename "$f")"; done
}

for backend in ${*:-postgres mysql sqlite}; do
  case $backend in
    postgres)
      psql "$PGBASE/postgres" -qc "CREATE DATABASE $db"
      psql -v ON_ERROR_STOP=1 -q "$PGBASE/$db" -f "$HERE/postgres/schema.sql" >/dev/null
      generate "$PGBASE/$db" "$HERE/postgres"
      mv "$HERE/postgres/lib.rs" "$HERE/postgres/mod.rs"
      psql "$PGBASE/postgres" -qc "DROP DATABASE $db" ;;
    mysql)
      mysql -h 127.0.0.1 -uroot -e "CREATE DATABASE $db"
      mysql -h 127.0.0.1 -uroot "$db" <"$HERE/mysql/schema.sql"
      generate "mysql://root@127.0.0.1:3306/$db" "$HERE/mysql/sea_orm_cli"
      mysql -h 127.0.0.1 -uroot -e "DROP DATABASE $db" ;;
    sqlite)
      python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()' "$tmp/legacy.db" "$HERE/sqlite/schema.sql"
      generate "sqlite://$tmp/legacy.db" "$HERE/sqlite"
      mv "$HERE/sqlite/lib.rs" "$HERE/sqlite/mod.rs" ;;
    *) echo "unknown backend $backend (postgres, mysql, sqlite)" >&2; exit 1 ;;
  esac
  echo "$backend: $(ls "$HERE/$backend" | tr '\n' ' ')"
done
