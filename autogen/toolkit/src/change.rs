//! The changes autogenerate detects. Each knows its reverse (down
//! migrations are derived, never written by hand) and its risk.

use serde::Serialize;

mod explain;
pub mod in_place;
pub mod loss;

use crate::config::Backend;
use crate::schema::{Column, ColumnType, ForeignKey, Index, Table};

/// One detected difference, holding both sides where there are two so that
/// reversing is exact and messages are precise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// A PostgreSQL schema an entity names (`schema_name`) that does not exist yet.
    CreateSchema {
        name: String,
    },
    DropSchema {
        name: String,
    },
    CreateEnum {
        name: String,
        values: Vec<String>,
    },
    DropEnum {
        name: String,
        values: Vec<String>,
    },
    /// Values added and/or removed. `usages` are the `(table, column)` pairs
    /// typed with this enum, needed when values are removed (type swap).
    AlterEnum {
        name: String,
        from: Vec<String>,
        to: Vec<String>,
        usages: Vec<(String, String)>,
    },
    CreateTable {
        table: Table,
    },
    DropTable {
        table: Table,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: Column,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumn {
        table: String,
        from: Column,
        to: Column,
        /// What differs between `from` and `to`, computed once by the diff.
        changed: ColumnChanges,
    },
    AlterPrimaryKey {
        table: String,
        from: Vec<String>,
        to: Vec<String>,
    },
    /// The table's comment (PostgreSQL `COMMENT ON TABLE`; MySQL inline).
    AlterTableComment {
        table: String,
        from: Option<String>,
        to: Option<String>,
    },
    AddIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        index: Index,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    DropForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
}

/// What an `AlterColumn` changes (Atlas's `ChangeKind`): computed once by
/// the diff, read by `describe`, `risk`, `warning` and the planners. It is
/// also the one definition of "two columns differ".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ColumnChanges {
    #[serde(rename = "type")]
    pub ty: bool,
    pub nullable: bool,
    pub default: bool,
    /// Auto-increment added, removed, or its flavour (identity/serial) changed.
    pub auto_increment: bool,
    pub comment: bool,
}

impl ColumnChanges {
    pub fn between(from: &Column, to: &Column) -> Self {
        Self {
            ty: from.ty != to.ty,
            nullable: from.nullable != to.nullable,
            // MySQL's `ON UPDATE` is part of what the column defaults to.
            default: from.default != to.default || from.attrs.on_update != to.attrs.on_update,
            auto_increment: from.auto_increment != to.auto_increment
                || (from.auto_increment && from.sequence != to.sequence),
            comment: from.comment != to.comment,
        }
    }

    pub fn any(&self) -> bool {
        self.ty || self.nullable || self.default || self.auto_increment || self.comment
    }
}

/// How dangerous a change is: Prisma's split between "will lose data" and
/// "may fail if data exists".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Safe,
    /// Rewrites or locks the table; slow on big tables.
    Heavy,
    /// The database stops enforcing a guarantee the application may rely on
    /// (a unique index or constraint dropped): nothing is lost, nothing fails.
    Weakens,
    /// May fail on existing data (NOT NULL, new unique, new foreign key).
    MayFail,
    /// Loses data (drop table/column, narrowing, enum value removal).
    DataLoss,
}

impl Change {
    /// `table.column` altered from `from` to `to`, with what changed worked out.
    pub fn alter_column(table: impl Into<String>, from: Column, to: Column) -> Change {
        Change::AlterColumn {
            table: table.into(),
            changed: ColumnChanges::between(&from, &to),
            from,
            to,
        }
    }

    /// The change that undoes this one.
    pub fn reverse(&self) -> Change {
        use Change::*;
        match self.clone() {
            CreateSchema { name } => DropSchema { name },
            DropSchema { name } => CreateSchema { name },
            CreateEnum { name, values } => DropEnum { name, values },
            DropEnum { name, values } => CreateEnum { name, values },
            AlterEnum {
                name,
                from,
                to,
                usages,
            } => AlterEnum {
                name,
                from: to,
                to: from,
                usages,
            },
            CreateTable { table } => DropTable { table },
            DropTable { table } => CreateTable { table },
            RenameTable { from, to } => RenameTable { from: to, to: from },
            AddColumn { table, column } => DropColumn { table, column },
            DropColumn { table, column } => AddColumn { table, column },
            RenameColumn { table, from, to } => RenameColumn {
                table,
                from: to,
                to: from,
            },
            AlterColumn {
                table,
                from,
                to,
                changed,
            } => AlterColumn {
                table,
                from: to,
                to: from,
                changed,
            },
            AlterPrimaryKey { table, from, to } => AlterPrimaryKey {
                table,
                from: to,
                to: from,
            },
            AlterTableComment { table, from, to } => AlterTableComment {
                table,
                from: to,
                to: from,
            },
            AddIndex { table, index } => DropIndex { table, index },
            DropIndex { table, index } => AddIndex { table, index },
            AddForeignKey { table, foreign_key } => DropForeignKey { table, foreign_key },
            DropForeignKey { table, foreign_key } => AddForeignKey { table, foreign_key },
        }
    }

    /// The table this change touches, if any.
    pub fn table(&self) -> Option<&str> {
        use Change::*;
        match self {
            CreateSchema { .. }
            | DropSchema { .. }
            | CreateEnum { .. }
            | DropEnum { .. }
            | AlterEnum { .. } => None,
            CreateTable { table } | DropTable { table } => Some(&table.name),
            RenameTable { to, .. } => Some(to),
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumn { table, .. }
            | AlterPrimaryKey { table, .. }
            | AlterTableComment { table, .. }
            | AddIndex { table, .. }
            | DropIndex { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. } => Some(table),
        }
    }

    pub fn risk(&self) -> Risk {
        use Change::*;
        match self {
            DropTable { .. } | DropColumn { .. } | DropEnum { .. } => Risk::DataLoss,
            AlterEnum { from, to, .. } if from.iter().any(|v| !to.contains(v)) => Risk::DataLoss,
            // Not expressible as `ADD VALUE`: the type is swapped and every
            // column using it rewritten (`plan::alter_enum`).
            AlterEnum { from, to, .. } if !additions_only(from, to) => Risk::Heavy,
            AlterColumn {
                from, to, changed, ..
            } if changed.ty => {
                if from.base_type.as_ref().is_some_and(|b| b.widens_to(&to.ty)) {
                    // A domain to its base type (or wider): its CHECK goes, no value fails.
                    if from.base_type.as_ref() == Some(&to.ty) {
                        Risk::Safe
                    } else {
                        Risk::Heavy
                    }
                } else if from.ty.widens_to(&to.ty) {
                    Risk::Heavy
                } else if narrows(&from.ty, &to.ty) {
                    Risk::DataLoss
                } else {
                    Risk::MayFail
                }
            }
            AlterColumn { from, changed, .. } if changed.nullable && from.nullable => Risk::MayFail,
            AddColumn { column, .. }
                if !column.nullable && column.default.is_none() && !column.auto_increment =>
            {
                Risk::MayFail
            }
            AddIndex { index, .. } if index.unique => Risk::MayFail,
            DropIndex { index, .. } if index.unique => Risk::Weakens,
            AddForeignKey { .. } | AlterPrimaryKey { .. } | DropSchema { .. } => Risk::MayFail,
            _ => Risk::Safe,
        }
    }
}

impl Change {
    /// A type change `backend` makes in its catalog alone (`in_place`): the
    /// `from` and `to` types, when this is one.
    fn in_place_on(&self, backend: Backend) -> Option<(&Column, &Column)> {
        match self {
            Change::AlterColumn {
                from, to, changed, ..
            } if changed.ty
                && self.risk() == Risk::Heavy
                && in_place::on(backend, &from.ty, &to.ty) =>
            {
                Some((from, to))
            }
            _ => None,
        }
    }

    /// The risk on `backend`: a widening the engine keeps in its catalog
    /// (PostgreSQL's longer `varchar`, `numeric` with more digits) rewrites
    /// nothing and cannot fail, so it is not `Heavy` there.
    pub fn risk_on(&self, backend: Backend) -> Risk {
        if self.in_place_on(backend).is_some() {
            Risk::Safe
        } else {
            self.risk()
        }
    }

    /// The warning on `backend` (`warning`, said of what the engine does).
    pub fn warning_on(&self, backend: Backend) -> Option<String> {
        match self.in_place_on(backend) {
            Some((from, to)) => Some(format!(
                "widens {}.{} from {} to {}: a catalog-only change on {}, no rewrite, no value can fail",
                self.table().unwrap_or_default(),
                to.name,
                from.ty.sql(),
                to.ty.sql(),
                in_place::engine(backend)
            )),
            None => self.warning(),
        }
    }
}

fn narrows(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    matches!(
        (from, to),
        (BigInt, Integer | SmallInt)
            | (Integer, SmallInt)
            | (Double, Real)
            | (String(_), String(Some(_)))
            | (Text, String(Some(_)) | Char(_))
            | (String(None), Char(_))
    ) || to.widens_to(from) && from != to
}

/// `to` is `from` with values inserted, relative order kept: `ADD VALUE` can do it.
pub fn additions_only(from: &[String], to: &[String]) -> bool {
    let kept: Vec<&String> = to.iter().filter(|v| from.contains(v)).collect();
    kept.len() == from.len() && kept.iter().zip(from).all(|(a, b)| *a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alter_enum(from: &[&str], to: &[&str]) -> Change {
        Change::AlterEnum {
            name: "status".into(),
            from: from.iter().map(|v| (*v).to_owned()).collect(),
            to: to.iter().map(|v| (*v).to_owned()).collect(),
            usages: vec![("jobs".into(), "status".into())],
        }
    }

    #[test]
    fn enum_risks_say_what_happens_to_the_tables() {
        assert_eq!(alter_enum(&["a", "b"], &["a", "x", "b"]).risk(), Risk::Safe);
        assert_eq!(alter_enum(&["a", "b"], &["a"]).risk(), Risk::DataLoss);
        let reorder = alter_enum(&["a", "b"], &["b", "a"]);
        assert_eq!(reorder.risk(), Risk::Heavy);
        let warning = reorder.warning().unwrap_or_default();
        assert!(
            warning.contains("rewritten") && warning.contains("jobs.status"),
            "{warning}"
        );
    }

    #[test]
    fn dropping_uniqueness_is_named_not_hidden() {
        use crate::schema::Index;
        let index = |unique| Index {
            name: "uq_users_email".into(),
            columns: vec!["email".into()],
            unique,
            constraint: unique,
        };
        let drop = |unique| Change::DropIndex {
            table: "users".into(),
            index: index(unique),
        };
        assert_eq!(drop(true).risk(), Risk::Weakens);
        let warning = drop(true).warning().unwrap_or_default();
        assert!(
            warning.contains("stops enforcing uniqueness") && warning.contains("users(email)"),
            "{warning}"
        );
        assert_eq!(drop(false).risk(), Risk::Safe);
        assert_eq!(drop(false).warning(), None);
    }
}

#[cfg(test)]
mod risk_labels {
    use super::*;
    use crate::schema::build::col;

    fn alter(from: Column, to: Column) -> Change {
        Change::alter_column("t", from, to)
    }

    #[test]
    fn widenings_that_cannot_fail_are_not_may_fail() {
        use ColumnType::*;
        for (from, to) in [
            (Custom("nvarchar(45)".into()), Text),
            (Char(Some(20)), String(Some(255))),
            (String(Some(20)), String(Some(40))),
            (Boolean, Custom("tinyint".into())),
        ] {
            let change = alter(col("c", from.clone(), false), col("c", to.clone(), false));
            assert_eq!(change.risk(), Risk::Heavy, "{} -> {}", from.sql(), to.sql());
            assert!(
                !change.warning().unwrap_or_default().contains("fail"),
                "{:?}",
                change.warning()
            );
        }
    }

    #[test]
    fn postgres_catalog_only_widenings_are_safe_there_and_heavy_elsewhere() {
        use ColumnType::*;
        let longer = alter(
            col("c", String(Some(20)), false),
            col("c", String(Some(40)), false),
        );
        assert_eq!(longer.risk_on(Backend::Postgres), Risk::Safe);
        let note = longer.warning_on(Backend::Postgres).unwrap_or_default();
        assert!(
            note.contains("catalog-only") && note.contains("t.c"),
            "{note}"
        );
        for backend in [Backend::MySql, Backend::Sqlite] {
            assert_eq!(longer.risk_on(backend), Risk::Heavy);
            assert_eq!(longer.warning_on(backend), longer.warning());
        }
        // char(n) to text trims trailing blanks: every row is rewritten.
        let trimmed = alter(col("c", Char(Some(20)), false), col("c", Text, false));
        assert_eq!(trimmed.risk_on(Backend::Postgres), Risk::Heavy);
        assert!(
            trimmed
                .warning_on(Backend::Postgres)
                .unwrap_or_default()
                .contains("rewrites")
        );
    }

    #[test]
    fn a_domain_to_its_base_type_is_safe_and_back_may_fail() {
        let domain = Column {
            base_type: Some(ColumnType::Integer),
            ..col("released", ColumnType::Custom("release_year".into()), true)
        };
        let base = col("released", ColumnType::Integer, true);
        assert_eq!(alter(domain.clone(), base.clone()).risk(), Risk::Safe);
        assert_eq!(alter(base, domain).risk(), Risk::MayFail);
    }
}
