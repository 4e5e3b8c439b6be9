//! One home per rule: which builder calls define a column, an index, a
//! foreign key, a table. Each rule is written once, generically, against a
//! *mirror* of the sea-query builder it drives (`ColumnBuilder` for
//! `ColumnDef`, ...). The apply path runs the rule on the real builder; the
//! render path runs it on [`Code`], which writes the same calls as source
//! text (`.string_len(100)`). `mirror!` lists a builder's methods once and
//! derives both implementations, so no call exists on one path only.
//!
//! Why not a neutral table of `(method name, args)`? Applying it would need
//! a second match from names back to builder methods, checked only at run
//! time; a mirrored method that sea-query lacks does not compile.

use std::collections::BTreeMap;

use sea_orm_migration::sea_query::{
    ColumnDef, Expr, ForeignKey as FkStatement, ForeignKeyAction, ForeignKeyCreateStatement,
    Index as IndexStatement, IndexCreateStatement, TableCreateStatement, TableRef,
};

use super::{
    Call, DefaultValue, code_table, creatable_index_name, create_column_calls, lit, sea_table,
};
use crate::schema::{ColumnType, FkAction, ForeignKey, Index, Table, TableName};

/// Enum types by name with their values, for `enumeration(..)` columns.
type Enums = BTreeMap<String, Vec<String>>;

/// A builder expression as source text: a root (`ColumnDef::new("a")`)
/// followed by calls, one per line where `lines` (rustfmt lays them out).
struct Code {
    text: String,
    lines: bool,
}

impl Code {
    fn new(root: impl Into<String>, lines: bool) -> Self {
        Self {
            text: root.into(),
            lines,
        }
    }

    fn call(&mut self, method: &str, args: &[String]) {
        if self.lines {
            self.text.push('\n');
        }
        self.text
            .push_str(&format!(".{method}({})", args.join(", ")));
    }

    fn finish(self) -> String {
        self.text
    }
}

/// An argument of a mirrored call, in both forms: the value sea-query
/// takes, and the Rust expression that produces it.
trait Arg {
    type Sea;
    fn sea(&self) -> Self::Sea;
    fn code(&self) -> String;
}

impl<T: Arg + ?Sized> Arg for &T {
    type Sea = T::Sea;
    fn sea(&self) -> T::Sea {
        (**self).sea()
    }
    fn code(&self) -> String {
        (**self).code()
    }
}

impl Arg for u32 {
    type Sea = u32;
    fn sea(&self) -> u32 {
        *self
    }
    fn code(&self) -> String {
        self.to_string()
    }
}

impl Arg for str {
    type Sea = String;
    fn sea(&self) -> String {
        self.to_owned()
    }
    fn code(&self) -> String {
        lit(self)
    }
}

impl Arg for [String] {
    type Sea = Vec<String>;
    fn sea(&self) -> Vec<String> {
        self.to_vec()
    }
    fn code(&self) -> String {
        format!(
            "[{}]",
            self.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
        )
    }
}

impl Arg for TableName {
    type Sea = TableRef;
    fn sea(&self) -> TableRef {
        sea_table(self)
    }
    fn code(&self) -> String {
        code_table(self)
    }
}

impl Arg for DefaultValue {
    type Sea = Expr;
    fn sea(&self) -> Expr {
        match self {
            Self::Bool(b) => Expr::val(*b),
            Self::Int(n) => Expr::val(*n),
            Self::Str(s) => Expr::val(s.clone()),
            Self::CurrentTimestamp => Expr::current_timestamp(),
            Self::Raw(s) => Expr::cust(s.clone()),
        }
    }
    fn code(&self) -> String {
        match self {
            Self::Bool(b) => b.to_string(),
            // An unsuffixed literal is an `i32` in the generated code.
            Self::Int(n) if i32::try_from(*n).is_ok() => n.to_string(),
            Self::Int(n) => format!("{n}i64"),
            Self::Str(s) => lit(s),
            Self::CurrentTimestamp => "Expr::current_timestamp()".into(),
            Self::Raw(s) => format!("Expr::cust({})", lit(s)),
        }
    }
}

/// Raw SQL as an expression: `Expr::cust(..)`.
struct Cust<'a>(&'a str);

impl Arg for Cust<'_> {
    type Sea = Expr;
    fn sea(&self) -> Expr {
        Expr::cust(self.0.to_owned())
    }
    fn code(&self) -> String {
        format!("Expr::cust({})", lit(self.0))
    }
}

impl Arg for FkAction {
    type Sea = ForeignKeyAction;
    fn sea(&self) -> ForeignKeyAction {
        match self {
            FkAction::NoAction => ForeignKeyAction::NoAction,
            FkAction::Restrict => ForeignKeyAction::Restrict,
            FkAction::Cascade => ForeignKeyAction::Cascade,
            FkAction::SetNull => ForeignKeyAction::SetNull,
            FkAction::SetDefault => ForeignKeyAction::SetDefault,
        }
    }
    fn code(&self) -> String {
        format!("ForeignKeyAction::{}", self.variant())
    }
}

/// A trait with the listed methods, implemented by the sea-query builder
/// (calling its method of the same name) and by `Code` (writing the call).
macro_rules! mirror {
    ($(#[$doc:meta])* $trait:ident for $sea:ty { $($method:ident($($arg:ident: $ty:ty),*);)* }) => {
        $(#[$doc])*
        // The builders' own names (`from_col`, `to_tbl`) are the point.
        #[allow(clippy::wrong_self_convention)]
        trait $trait {
            $(fn $method(&mut self $(, $arg: $ty)*);)*
        }

        #[allow(clippy::wrong_self_convention)]
        impl $trait for $sea {
            $(fn $method(&mut self $(, $arg: $ty)*) {
                <$sea>::$method(self $(, Arg::sea(&$arg))*);
            })*
        }

        #[allow(clippy::wrong_self_convention)]
        impl $trait for Code {
            $(fn $method(&mut self $(, $arg: $ty)*) {
                self.call(stringify!($method), &[$(Arg::code(&$arg)),*]);
            })*
        }
    };
}

mirror! {
    /// The `ColumnDef` calls the generated code uses.
    ColumnBuilder for ColumnDef {
        small_integer(); integer(); big_integer(); float(); double();
        decimal(); decimal_len(precision: u32, scale: u32);
        string_len(length: u32); char(); char_len(length: u32); text(); boolean();
        date(); time(); timestamp(); timestamp_with_time_zone();
        json(); json_binary(); uuid(); binary();
        custom(name: &str); enumeration(name: &str, values: &[String]);
        not_null(); null(); default(value: &DefaultValue); auto_increment();
        primary_key(); unique_key(); using(sql: Cust<'_>);
        comment(text: &str); extra(text: &str);
    }
}

mirror! {
    /// The `Index::create()` calls the generated code uses.
    IndexBuilder for IndexCreateStatement {
        name(name: &str); table(table: &TableName); col(column: &str); unique();
    }
}

mirror! {
    /// The `ForeignKey::create()` calls the generated code uses.
    FkBuilder for ForeignKeyCreateStatement {
        name(name: &str); from_tbl(table: &TableName); from_col(column: &str);
        to_tbl(table: &TableName); to_col(column: &str);
        on_delete(action: FkAction); on_update(action: FkAction);
    }
}

/// The rule for one column call, types included: the type table.
fn column_call(b: &mut impl ColumnBuilder, call: &Call, enums: &Enums) {
    match call {
        Call::Type(ty) => match ty {
            ColumnType::SmallInt => b.small_integer(),
            ColumnType::Integer => b.integer(),
            ColumnType::BigInt => b.big_integer(),
            ColumnType::Real => b.float(),
            ColumnType::Double => b.double(),
            ColumnType::Decimal(Some((p, s))) => b.decimal_len(*p, *s),
            ColumnType::Decimal(None) => b.decimal(),
            ColumnType::String(Some(n)) => b.string_len(*n),
            ColumnType::String(None) => b.custom("varchar"),
            ColumnType::Char(Some(n)) => b.char_len(*n),
            ColumnType::Char(None) => b.char(),
            ColumnType::Text => b.text(),
            ColumnType::Boolean => b.boolean(),
            ColumnType::Date => b.date(),
            ColumnType::Time => b.time(),
            ColumnType::Timestamp => b.timestamp(),
            ColumnType::TimestampTz => b.timestamp_with_time_zone(),
            ColumnType::Json => b.json(),
            ColumnType::JsonBinary => b.json_binary(),
            ColumnType::Uuid => b.uuid(),
            ColumnType::Binary => b.binary(),
            ColumnType::Enum(name) => {
                b.enumeration(name, enums.get(name).map(Vec::as_slice).unwrap_or_default())
            }
            // PostgreSQL spells an array by its element: `varchar(20)[]`.
            ColumnType::Array(_) => b.custom(&ty.sql()),
            ColumnType::Custom(name) => b.custom(name),
        },
        Call::NotNull => b.not_null(),
        Call::Null => b.null(),
        Call::Default(d) => b.default(d),
        Call::AutoIncrement => b.auto_increment(),
        Call::PrimaryKey => b.primary_key(),
        Call::UniqueKey => b.unique_key(),
        Call::Using(sql) => b.using(Cust(sql)),
        Call::Comment(text) => b.comment(text),
        Call::Extra(text) => b.extra(text),
    }
}

fn column_calls(b: &mut impl ColumnBuilder, calls: &[Call], enums: &Enums) {
    for call in calls {
        column_call(b, call, enums);
    }
}

/// An index created on its own (also next to a new table).
fn index(b: &mut impl IndexBuilder, table: &TableName, index: &Index) {
    b.name(&creatable_index_name(&table.name, index));
    b.table(table);
    for c in &index.columns {
        b.col(c);
    }
    if index.unique {
        b.unique();
    }
}

/// A composite primary key, declared in CREATE TABLE.
fn primary_key(b: &mut impl IndexBuilder, table: &Table) {
    if !table.primary_key_name.is_empty() {
        b.name(&table.primary_key_name);
    }
    for c in &table.primary_key {
        b.col(c);
    }
}

/// A foreign key: added to `from` on its own (then always named: it is
/// dropped by name), or declared in CREATE TABLE (`from` is `None`).
fn foreign_key(b: &mut impl FkBuilder, from: Option<&TableName>, fk: &ForeignKey) {
    if from.is_some() || !fk.name.is_empty() {
        b.name(&fk.name);
    }
    if let Some(table) = from {
        b.from_tbl(table);
    }
    for c in &fk.columns {
        b.from_col(c);
    }
    b.to_tbl(&fk.ref_name());
    for c in &fk.ref_columns {
        b.to_col(c);
    }
    b.on_delete(fk.on_delete);
    b.on_update(fk.on_update);
}

/// The parts of CREATE TABLE; each part is built by the rules above.
trait TableBuilder {
    fn table(&mut self, table: &TableName);
    fn col(&mut self, name: &str, calls: &[Call], enums: &Enums);
    fn primary_key(&mut self, table: &Table);
    fn foreign_key(&mut self, fk: &ForeignKey);
}

impl TableBuilder for TableCreateStatement {
    fn table(&mut self, table: &TableName) {
        TableCreateStatement::table(self, sea_table(table));
    }
    fn col(&mut self, name: &str, calls: &[Call], enums: &Enums) {
        TableCreateStatement::col(self, column_def(name, calls, enums));
    }
    fn primary_key(&mut self, table: &Table) {
        let mut pk = IndexStatement::create();
        primary_key(&mut pk, table);
        TableCreateStatement::primary_key(self, &mut pk);
    }
    fn foreign_key(&mut self, fk: &ForeignKey) {
        let mut b = FkStatement::create();
        foreign_key(&mut b, None, fk);
        TableCreateStatement::foreign_key(self, &mut b);
    }
}

impl TableBuilder for Code {
    fn table(&mut self, table: &TableName) {
        self.call("table", &[code_table(table)]);
    }
    fn col(&mut self, name: &str, calls: &[Call], enums: &Enums) {
        self.call("col", &[column_code(name, calls, enums)]);
    }
    fn primary_key(&mut self, table: &Table) {
        let mut pk = Code::new("Index::create()", false);
        primary_key(&mut pk, table);
        self.call("primary_key", &[pk.finish()]);
    }
    fn foreign_key(&mut self, fk: &ForeignKey) {
        let mut b = Code::new("ForeignKey::create()", true);
        foreign_key(&mut b, None, fk);
        self.call("foreign_key", &[format!("\n{},\n", b.finish())]);
    }
}

fn create_table(b: &mut impl TableBuilder, table: &Table, enums: &Enums) {
    b.table(&table.qualified());
    for col in &table.columns {
        b.col(&col.name, &create_column_calls(table, col), enums);
    }
    if table.primary_key.len() > 1 {
        b.primary_key(table);
    }
    for fk in &table.foreign_keys {
        b.foreign_key(fk);
    }
}

// The two forms of each statement, built by the rules above.

pub(super) fn column_def(name: &str, calls: &[Call], enums: &Enums) -> ColumnDef {
    let mut def = ColumnDef::new(name.to_owned());
    column_calls(&mut def, calls, enums);
    def
}

pub(super) fn column_code(name: &str, calls: &[Call], enums: &Enums) -> String {
    let mut code = Code::new(format!("ColumnDef::new({})", lit(name)), false);
    column_calls(&mut code, calls, enums);
    code.finish()
}

pub(super) fn index_statement(table: &TableName, i: &Index) -> IndexCreateStatement {
    let mut stmt = IndexStatement::create();
    index(&mut stmt, table, i);
    stmt.to_owned()
}

pub(super) fn index_code(table: &TableName, i: &Index) -> String {
    let mut code = Code::new("Index::create()", true);
    index(&mut code, table, i);
    code.call("to_owned", &[]);
    code.finish()
}

pub(super) fn foreign_key_statement(
    table: &TableName,
    fk: &ForeignKey,
) -> ForeignKeyCreateStatement {
    let mut stmt = FkStatement::create();
    foreign_key(&mut stmt, Some(table), fk);
    stmt.to_owned()
}

pub(super) fn foreign_key_code(table: &TableName, fk: &ForeignKey) -> String {
    let mut code = Code::new("ForeignKey::create()", true);
    foreign_key(&mut code, Some(table), fk);
    code.call("to_owned", &[]);
    code.finish()
}

pub(super) fn table_statement(table: &Table, enums: &Enums) -> TableCreateStatement {
    let mut stmt = sea_orm_migration::sea_query::Table::create();
    create_table(&mut stmt, table, enums);
    stmt.to_owned()
}

pub(super) fn table_code(table: &Table, enums: &Enums) -> String {
    let mut code = Code::new("Table::create()", true);
    create_table(&mut code, table, enums);
    code.call("to_owned", &[]);
    code.finish()
}
