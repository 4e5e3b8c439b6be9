# Shared by tests/samples/run.sh and tests/samples/sea-orm-cli.sh (sourced, not run): loading a
# public sample into a fresh database (`load`), its size (`sizes`), and a newcomer's workspace
# (`make_ws`). Expects ROOT, MIRROR, PGBASE, MYBASE, tmp and the pgdbs/mydbs arrays.
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


# What a migration must not take away, one line each: columns, indexes, triggers, views,
# sequences (PostgreSQL) and the row count of every table.
inventory() {
  case $backend in
    postgres) psql "$url" -tAc "select 'column '||table_schema||'.'||table_name||'.'||column_name from information_schema.columns c join pg_tables t on t.schemaname=c.table_schema and t.tablename=c.table_name where t.schemaname not in ('pg_catalog','information_schema')
      union all select 'index '||schemaname||'.'||indexname from pg_indexes where schemaname not in ('pg_catalog','information_schema')
      union all select 'trigger '||tgrelid::regclass||'.'||tgname from pg_trigger where not tgisinternal
      union all select 'view '||schemaname||'.'||viewname from pg_views where schemaname not in ('pg_catalog','information_schema')
      union all select 'sequence '||n.nspname||'.'||relname from pg_class c join pg_namespace n on n.oid=c.relnamespace where relkind='S'
      order by 1" 2>&1
      psql "$url" -tA <<<"select format('select %L||count(*) from %s', 'rows '||schemaname||'.'||tablename||' ', quote_ident(schemaname)||'.'||quote_ident(tablename)) from pg_tables where schemaname not in ('pg_catalog','information_schema') order by 1 \gexec" 2>&1 ;;
    mysql) local d=${url##*/}; mysql -h 127.0.0.1 -uroot -NB -e "select concat('column ',table_name,'.',column_name) from information_schema.columns c join information_schema.tables t using (table_schema,table_name) where table_schema='$d' and table_type='BASE TABLE'
      union all select distinct concat('index ',table_name,'.',index_name) from information_schema.statistics where table_schema='$d'
      union all select concat('trigger ',event_object_table,'.',trigger_name) from information_schema.triggers where trigger_schema='$d'
      union all select concat('view ',table_name) from information_schema.views where table_schema='$d' order by 1" 2>&1
      for t in $(mysql -h 127.0.0.1 -uroot -NB -e "select table_name from information_schema.tables where table_schema='$d' and table_type='BASE TABLE'"); do
        echo "rows $t $(mysql -h 127.0.0.1 -uroot -NB -e "select count(*) from \`$d\`.\`$t\`")"; done | sort ;;
    sqlite) python3 -c '
import sqlite3,sys
c=sqlite3.connect(sys.argv[1]); out=[]
ts=[r[0] for r in c.execute("select name from sqlite_master where type=\"table\" and name not like \"sqlite_%\" and name<>\"seaql_migrations\"")]
for t in ts:
    out += ["column %s.%s" % (t, r[1]) for r in c.execute("select * from pragma_table_info(?)", (t,))]
    out.append("rows %s %d" % (t, c.execute("select count(*) from \"%s\"" % t).fetchone()[0]))
out += ["%s %s" % r for r in c.execute("select type, name from sqlite_master where type in (\"index\",\"trigger\",\"view\") and name not like \"sqlite_%\"")]
print("\n".join(sorted(out)))' "$litefile" ;;
  esac | grep -v seaql_migrations | LC_ALL=C sort
}
