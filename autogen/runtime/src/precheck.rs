//! Data pre-checks that generated migrations run before their DDL: a step
//! that would fail on existing rows (SET NOT NULL on NULLs, a unique index
//! over duplicates, a foreign key with orphans, a narrower type over values
//! that do not fit, an enum value removed that rows still hold) is checked
//! first, and the
//! migration fails with the table, the number of rows and a sample key,
//! before any statement changed anything. Each check is one `COUNT(*)`
//! (a second query fetches the sample only when something was found).
//!
//! Tables are given as sea-query takes them: `"table"` or `("schema", "table")`.

use sea_orm_migration::SchemaManager;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, DbErr};
use sea_orm_migration::sea_query::{
    Alias, Asterisk, Cond, Expr, ExprTrait, Func, IntoTableRef, Query, SelectStatement, TableRef,
};

const CHILD: &str = "autogen_child";
const PARENT: &str = "autogen_parent";

/// Fail when `column` of `table` holds NULLs (before `SET NOT NULL`).
pub async fn no_nulls<T: IntoTableRef>(
    manager: &SchemaManager<'_>,
    table: T,
    column: &str,
    key: &[&str],
) -> Result<(), DbErr> {
    let table = table.into_table_ref();
    let mut violating = Query::select();
    violating
        .from(table.clone())
        .and_where(Expr::col(Alias::new(column)).is_null());
    let Some((count, sample)) = find(manager, violating, key, None).await? else {
        return Ok(());
    };
    Err(DbErr::Custom(format!(
        "pre-check failed before any change: table {} has {count} row(s) with NULL in {column}{sample}, so SET NOT NULL would fail; fill them (UPDATE ... SET {column} = ... WHERE {column} IS NULL) or give the column a default, then run the migration again",
        name(&table),
    )))
}

/// Fail when `columns` of `table` hold duplicate values (before a new
/// unique index or constraint). Rows with a NULL in them never collide.
pub async fn no_duplicates<T: IntoTableRef>(
    manager: &SchemaManager<'_>,
    table: T,
    columns: &[&str],
    key: &[&str],
) -> Result<(), DbErr> {
    let table = table.into_table_ref();
    let mut groups = Query::select();
    groups.from(table.clone());
    for c in columns {
        groups
            .column(Alias::new(*c))
            .and_where(Expr::col(Alias::new(*c)).is_not_null());
    }
    groups
        .group_by_columns(columns.iter().map(|c| Alias::new(*c)))
        .and_having(Expr::cust("COUNT(*) > 1"));
    // Rows whose values appear more than once: the sample is the key of one.
    let mut violating = Query::select();
    violating
        .from_as(table.clone(), Alias::new(CHILD))
        .and_where(
            Expr::tuple(
                columns
                    .iter()
                    .map(|c| Expr::col((Alias::new(CHILD), Alias::new(*c)))),
            )
            .in_subquery(groups),
        );
    let Some((count, sample)) = find(manager, violating, key, Some(CHILD)).await? else {
        return Ok(());
    };
    Err(DbErr::Custom(format!(
        "pre-check failed before any change: table {} has {count} row(s) whose ({}) is not unique{sample}, so the unique index would fail; remove or change the duplicates, then run the migration again",
        name(&table),
        columns.join(", "),
    )))
}

/// Fail when rows of `table` point (`columns`) at no row of `parent`
/// (`parent_columns`): a new foreign key would fail on them.
pub async fn no_orphans<T: IntoTableRef, P: IntoTableRef>(
    manager: &SchemaManager<'_>,
    table: T,
    columns: &[&str],
    parent: P,
    parent_columns: &[&str],
    key: &[&str],
) -> Result<(), DbErr> {
    let table = table.into_table_ref();
    let parent = parent.into_table_ref();
    let mut matching = Query::select();
    matching
        .expr(Expr::val(1))
        .from_as(parent.clone(), Alias::new(PARENT));
    for (c, p) in columns.iter().zip(parent_columns) {
        matching.and_where(
            Expr::col((Alias::new(PARENT), Alias::new(*p)))
                .equals((Alias::new(CHILD), Alias::new(*c))),
        );
    }
    let mut violating = Query::select();
    violating.from_as(table.clone(), Alias::new(CHILD));
    for c in columns {
        violating.and_where(Expr::col((Alias::new(CHILD), Alias::new(*c))).is_not_null());
    }
    violating.and_where(Expr::not_exists(matching));
    let Some((count, sample)) = find(manager, violating, key, Some(CHILD)).await? else {
        return Ok(());
    };
    Err(DbErr::Custom(format!(
        "pre-check failed before any change: table {} has {count} row(s) whose ({}) match no row of {}{sample}, so the foreign key would fail; delete or fix those rows, then run the migration again",
        name(&table),
        columns.join(", "),
        name(&parent),
    )))
}

/// The narrower type a column is changed to, as far as its values must fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// At most this many characters (`varchar(n)`, `char(n)`).
    MaxLength(u32),
    /// An integer between these bounds (`smallint`, `integer`).
    Range(i64, i64),
    /// `numeric(precision, scale)`: fewer than `precision - scale` digits
    /// before the point (more fraction digits are rounded, not refused).
    Numeric(u32, u32),
}

impl Fit {
    fn words(&self) -> String {
        match self {
            Fit::MaxLength(n) => format!("longer than {n} character(s)"),
            Fit::Range(lo, hi) => format!("outside {lo}..={hi}"),
            Fit::Numeric(p, s) => format!("too large for numeric({p},{s})"),
        }
    }
}

/// Fail when values of `column` in `table` do not fit the narrower type
/// `fit` (before the type change, which would fail or truncate them).
pub async fn values_fit<T: IntoTableRef>(
    manager: &SchemaManager<'_>,
    table: T,
    column: &str,
    fit: Fit,
    key: &[&str],
) -> Result<(), DbErr> {
    let table = table.into_table_ref();
    let col = || Expr::col(Alias::new(column));
    let cond = match fit {
        Fit::MaxLength(n) => {
            // MySQL's LENGTH counts bytes; CHAR_LENGTH characters (SQLite has only LENGTH).
            let f = match manager.get_database_backend() {
                DbBackend::Sqlite => "LENGTH",
                _ => "CHAR_LENGTH",
            };
            Cond::all().add(Expr::expr(Func::cust(Alias::new(f)).arg(col())).gt(n))
        }
        Fit::Range(lo, hi) => Cond::any().add(col().lt(lo)).add(col().gt(hi)),
        Fit::Numeric(p, s) => {
            // 10^(p - s): the smallest value with too many integer digits.
            let limit = format!("1{}", "0".repeat(p.saturating_sub(s) as usize));
            Cond::any()
                .add(col().gte(Expr::cust(limit.clone())))
                .add(col().lte(Expr::cust(format!("-{limit}"))))
        }
    };
    let mut violating = Query::select();
    violating.from(table.clone()).cond_where(cond);
    let Some((count, sample)) = find(manager, violating, key, None).await? else {
        return Ok(());
    };
    Err(DbErr::Custom(format!(
        "pre-check failed before any change: table {} has {count} row(s) whose {column} is {}{sample}, so the type change would fail or cut them; shorten or fix those values, then run the migration again",
        name(&table),
        fit.words(),
    )))
}

/// Fail when rows of `table` still hold one of `values` in `column` (before
/// the values are removed from its enum type).
pub async fn no_value<T: IntoTableRef>(
    manager: &SchemaManager<'_>,
    table: T,
    column: &str,
    values: &[&str],
    key: &[&str],
) -> Result<(), DbErr> {
    let table = table.into_table_ref();
    let text = match manager.get_database_backend() {
        DbBackend::MySql => "CHAR",
        _ => "TEXT",
    };
    let mut violating = Query::select();
    violating.from(table.clone()).and_where(
        Expr::col(Alias::new(column))
            .cast_as(Alias::new(text))
            .is_in(values.iter().copied()),
    );
    let Some((count, sample)) = find(manager, violating, key, None).await? else {
        return Ok(());
    };
    Err(DbErr::Custom(format!(
        "pre-check failed before any change: table {} has {count} row(s) whose {column} is one of the removed value(s) {}{sample}; move them to a value that stays (UPDATE ... SET {column} = ...), then run the migration again",
        name(&table),
        values.join(", "),
    )))
}

/// How many rows `violating` (a SELECT without columns) finds, and the key
/// of one of them in words (`" (e.g. id = 7)"`); `None` when it finds none.
/// A connection that answers with no rows (a recording) finds none.
async fn find(
    manager: &SchemaManager<'_>,
    violating: SelectStatement,
    key: &[&str],
    alias: Option<&str>,
) -> Result<Option<(i64, String)>, DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let mut count = violating.clone();
    count.expr_as(Expr::col(Asterisk).count(), Alias::new("n"));
    let n = match db.query_one(&count).await? {
        Some(row) => row.try_get::<i64>("", "n")?,
        None => 0,
    };
    if n == 0 {
        return Ok(None);
    }
    if key.is_empty() {
        return Ok(Some((n, String::new())));
    }
    let text = if backend == DbBackend::MySql {
        "CHAR"
    } else {
        "TEXT"
    };
    let mut sample = violating;
    for (i, k) in key.iter().enumerate() {
        let col = match alias {
            Some(a) => Expr::col((Alias::new(a), Alias::new(*k))),
            None => Expr::col(Alias::new(*k)),
        };
        sample.expr_as(col.cast_as(Alias::new(text)), Alias::new(format!("k{i}")));
    }
    sample.limit(1);
    let words = match db.query_one(&sample).await? {
        Some(row) => {
            let parts: Vec<String> = key
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let v = row
                        .try_get::<Option<String>>("", &format!("k{i}"))
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| "NULL".to_owned());
                    format!("{k} = {v}")
                })
                .collect();
            format!(" (e.g. {})", parts.join(", "))
        }
        None => String::new(),
    };
    Ok(Some((n, words)))
}

/// The table as a message names it.
fn name(table: &TableRef) -> String {
    match table {
        TableRef::Table(name, _) => {
            let (schema, table) = (name.0.as_ref(), &name.1);
            match schema {
                Some(s) => format!("{}.{}", s.1, table),
                None => table.to_string(),
            }
        }
        other => format!("{other:?}"),
    }
}
