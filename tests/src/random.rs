//! Random schemas and random edits of them, for the randomized round trips
//! (`tests/tests/testsuite/roundtrip.rs`): the property that ties every
//! change kind together is tested on schemas nobody thought of.
//!
//! A schema is a few tables (an identity key, columns of the types the
//! backend holds, with or without NOT NULL and a default, single and
//! composite indexes, unique or not, foreign keys with actions) and, on
//! PostgreSQL, an enum type. An edit is chosen by a few random numbers and
//! applied to a schema, so that proptest can shrink a failing sequence.

use seaorm_autogen::config::Backend;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    SmallInt,
    Int,
    BigInt,
    Text,
    Varchar(u32),
    Bool,
    Double,
    Numeric(u32, u32),
    Date,
    Timestamp,
    TimestampTz,
    Uuid,
    Jsonb,
    Mood,
}

impl Type {
    /// The types `backend` holds distinctly (SQLite reads `bigint` as `integer`).
    fn all(backend: Backend) -> &'static [Type] {
        match backend {
            Backend::Sqlite => &[
                Type::SmallInt,
                Type::Int,
                Type::Text,
                Type::Varchar(50),
                Type::Varchar(120),
                Type::Bool,
                Type::Double,
            ],
            _ => &[
                Type::SmallInt,
                Type::Int,
                Type::BigInt,
                Type::Text,
                Type::Varchar(50),
                Type::Varchar(120),
                Type::Bool,
                Type::Double,
                Type::Numeric(10, 2),
                Type::Numeric(12, 4),
                Type::Date,
                Type::Timestamp,
                Type::TimestampTz,
                Type::Uuid,
                Type::Jsonb,
                Type::Mood,
            ],
        }
    }

    fn sql(self) -> String {
        match self {
            Type::SmallInt => "smallint".into(),
            Type::Int => "integer".into(),
            Type::BigInt => "bigint".into(),
            Type::Text => "text".into(),
            Type::Varchar(n) => format!("varchar({n})"),
            Type::Bool => "boolean".into(),
            Type::Double => "double precision".into(),
            Type::Numeric(p, s) => format!("numeric({p},{s})"),
            Type::Date => "date".into(),
            Type::Timestamp => "timestamp".into(),
            Type::TimestampTz => "timestamptz".into(),
            Type::Uuid => "uuid".into(),
            Type::Jsonb => "jsonb".into(),
            Type::Mood => "mood".into(),
        }
    }

    /// Types PostgreSQL casts between directly.
    fn family(self) -> u8 {
        match self {
            Type::SmallInt | Type::Int | Type::BigInt | Type::Double | Type::Numeric(..) => 0,
            Type::Text | Type::Varchar(_) => 1,
            Type::Date | Type::Timestamp | Type::TimestampTz => 2,
            Type::Bool => 3,
            Type::Uuid => 4,
            Type::Jsonb => 5,
            Type::Mood => 6,
        }
    }

    fn default_sql(self) -> &'static str {
        match self {
            Type::SmallInt | Type::Int | Type::BigInt => "7",
            Type::Text | Type::Varchar(_) => "'x'",
            Type::Bool => "true",
            Type::Double | Type::Numeric(..) => "1.5",
            Type::Date => "'2020-01-02'",
            Type::Timestamp | Type::TimestampTz => "CURRENT_TIMESTAMP",
            Type::Uuid => "'00000000-0000-0000-0000-000000000001'",
            Type::Jsonb => "'{}'",
            Type::Mood => "'happy'",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub ty: Type,
    pub nullable: bool,
    pub default: bool,
}

#[derive(Clone, Debug)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub column: String,
    pub to: String,
    pub on_delete: &'static str,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
}

#[derive(Clone, Debug)]
pub struct Schema {
    pub backend: Backend,
    pub tables: Vec<Table>,
    /// The values of the enum type `mood` (PostgreSQL).
    pub moods: Vec<String>,
    /// Names handed out so far, so that every new object's name is fresh.
    serial: u32,
}

const ACTIONS: [&str; 4] = ["NO ACTION", "CASCADE", "SET NULL", "RESTRICT"];

/// A random number source proptest controls: each call takes the next value.
pub struct Dice<'a> {
    values: &'a [u32],
    at: usize,
}

impl<'a> Dice<'a> {
    pub fn new(values: &'a [u32]) -> Self {
        Self { values, at: 0 }
    }

    /// A number below `n` (0 when `n` is 0 or the values ran out).
    pub fn below(&mut self, n: usize) -> usize {
        let v = self.values.get(self.at).copied().unwrap_or(0) as usize;
        self.at += 1;
        if n == 0 { 0 } else { v % n }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn coin(&mut self) -> bool {
        self.below(2) == 1
    }
}

impl Schema {
    /// A random schema of 1 to 3 tables.
    pub fn random(backend: Backend, dice: &mut Dice<'_>) -> Self {
        let mut s = Schema {
            backend,
            tables: Vec::new(),
            moods: vec!["happy".into(), "sad".into()],
            serial: 0,
        };
        for _ in 0..=dice.below(3) {
            s.add_table(dice);
        }
        s
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.serial += 1;
        format!("{prefix}{}", self.serial)
    }

    fn random_column(&mut self, dice: &mut Dice<'_>) -> Column {
        let ty = dice.pick(Type::all(self.backend));
        Column {
            name: self.fresh("c"),
            ty,
            nullable: dice.coin(),
            default: dice.coin(),
        }
    }

    fn add_table(&mut self, dice: &mut Dice<'_>) {
        let name = self.fresh("t");
        let mut table = Table {
            name: name.clone(),
            columns: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
        };
        for _ in 0..=dice.below(3) {
            let c = self.random_column(dice);
            table.columns.push(c);
        }
        if !self.tables.is_empty() && dice.coin() {
            let to = self.tables[dice.below(self.tables.len())].name.clone();
            let column = self.fresh("r");
            table.columns.push(Column {
                name: column.clone(),
                ty: Type::Int,
                nullable: true,
                default: false,
            });
            table.foreign_keys.push(ForeignKey {
                column,
                to,
                on_delete: dice.pick(&ACTIONS),
            });
        }
        self.tables.push(table);
        let last = self.tables.len() - 1;
        if dice.coin() {
            self.add_index(last, dice);
        }
    }

    fn add_index(&mut self, t: usize, dice: &mut Dice<'_>) {
        let indexable: Vec<String> = self.tables[t]
            .columns
            .iter()
            .filter(|c| !matches!(c.ty, Type::Jsonb))
            .map(|c| c.name.clone())
            .collect();
        if indexable.is_empty() {
            return;
        }
        let first = indexable[dice.below(indexable.len())].clone();
        let mut columns = vec![first.clone()];
        if indexable.len() > 1 && dice.coin() {
            let second = indexable[dice.below(indexable.len())].clone();
            if second != first {
                columns.push(second);
            }
        }
        let name = self.fresh(&format!("{}_i", self.tables[t].name));
        let unique = dice.coin();
        let table = &mut self.tables[t];
        if table.indexes.iter().any(|i| i.columns == columns) {
            return;
        }
        table.indexes.push(Index {
            name,
            columns,
            unique,
        });
    }

    /// Apply one random edit; its description.
    pub fn edit(&mut self, dice: &mut Dice<'_>) -> String {
        let t = dice.below(self.tables.len());
        match dice.below(10) {
            0 => {
                self.add_table(dice);
                "add table".into()
            }
            1 if self.tables.len() > 1 => {
                // Drop a table nothing references.
                let referenced: Vec<String> = self
                    .tables
                    .iter()
                    .flat_map(|x| x.foreign_keys.iter().map(|f| f.to.clone()))
                    .collect();
                match self
                    .tables
                    .iter()
                    .position(|x| !referenced.contains(&x.name))
                {
                    Some(i) => {
                        let gone = self.tables.remove(i);
                        format!("drop table {}", gone.name)
                    }
                    None => "nothing".into(),
                }
            }
            2 => {
                let c = self.random_column(dice);
                let what = format!(
                    "add column {}.{} {}",
                    self.tables[t].name,
                    c.name,
                    c.ty.sql()
                );
                self.tables[t].columns.push(c);
                what
            }
            3 if self.tables[t].columns.len() > 1 => {
                let table = &mut self.tables[t];
                let i = dice.below(table.columns.len());
                let gone = table.columns.remove(i).name;
                table.indexes.retain(|x| !x.columns.contains(&gone));
                table.foreign_keys.retain(|f| f.column != gone);
                format!("drop column {}.{gone}", table.name)
            }
            4 => {
                let backend = self.backend;
                let table = &mut self.tables[t];
                let i = dice.below(table.columns.len());
                let c = &mut table.columns[i];
                if table.foreign_keys.iter().any(|f| f.column == c.name)
                    || matches!(c.ty, Type::Mood)
                {
                    return "nothing".into();
                }
                // A neighbouring type: PostgreSQL casts within a family (a
                // cast between families, integer to date, does not exist).
                let family: Vec<Type> = Type::all(backend)
                    .iter()
                    .copied()
                    .filter(|t| t.family() == c.ty.family() && *t != c.ty)
                    .collect();
                if family.is_empty() {
                    return "nothing".into();
                }
                let ty = family[dice.below(family.len())];
                c.ty = ty;
                format!("retype {}.{} to {}", table.name, c.name, ty.sql())
            }
            5 => {
                let table = &mut self.tables[t];
                let i = dice.below(table.columns.len());
                let c = &mut table.columns[i];
                c.nullable = !c.nullable;
                format!("toggle null {}.{}", table.name, c.name)
            }
            6 => {
                let table = &mut self.tables[t];
                let i = dice.below(table.columns.len());
                let c = &mut table.columns[i];
                c.default = !c.default;
                format!("toggle default {}.{}", table.name, c.name)
            }
            7 => {
                self.add_index(t, dice);
                format!("add index on {}", self.tables[t].name)
            }
            8 if !self.tables[t].indexes.is_empty() => {
                let table = &mut self.tables[t];
                let i = dice.below(table.indexes.len());
                format!("drop index {}", table.indexes.remove(i).name)
            }
            9 if self.backend == Backend::Postgres => {
                let value = self.fresh("m");
                let at = dice.below(self.moods.len() + 1);
                self.moods.insert(at, value.clone());
                format!("add mood {value}")
            }
            _ => "nothing".into(),
        }
    }

    /// The DDL creating this schema on its backend.
    pub fn sql(&self) -> String {
        let q = |s: &str| format!("\"{s}\"");
        let mut out = String::new();
        if self.backend == Backend::Postgres
            && self
                .tables
                .iter()
                .any(|t| t.columns.iter().any(|c| c.ty == Type::Mood))
        {
            let values: Vec<String> = self.moods.iter().map(|m| format!("'{m}'")).collect();
            out.push_str(&format!(
                "CREATE TYPE mood AS ENUM ({});\n",
                values.join(", ")
            ));
        }
        for t in &self.tables {
            let mut parts = vec![match self.backend {
                Backend::Sqlite => "\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT".to_owned(),
                _ => "\"id\" integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY".to_owned(),
            }];
            for c in &t.columns {
                let mut def = format!("{} {}", q(&c.name), c.ty.sql());
                if !c.nullable {
                    def.push_str(" NOT NULL");
                }
                if c.default {
                    def.push_str(&format!(" DEFAULT {}", c.ty.default_sql()));
                }
                parts.push(def);
            }
            for f in &t.foreign_keys {
                parts.push(format!(
                    "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (\"id\") ON DELETE {}",
                    q(&format!("fk_{}_{}", t.name, f.column)),
                    q(&f.column),
                    q(&f.to),
                    f.on_delete
                ));
            }
            out.push_str(&format!(
                "CREATE TABLE {} ({});\n",
                q(&t.name),
                parts.join(", ")
            ));
            for i in &t.indexes {
                let cols: Vec<String> = i.columns.iter().map(|c| q(c)).collect();
                out.push_str(&format!(
                    "CREATE {}INDEX {} ON {} ({});\n",
                    if i.unique { "UNIQUE " } else { "" },
                    q(&i.name),
                    q(&t.name),
                    cols.join(", ")
                ));
            }
        }
        out
    }
}
