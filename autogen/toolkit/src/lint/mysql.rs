//! The ALGORITHM MySQL 8.0 and MariaDB 10.11 give an `ALTER TABLE`, as
//! their online DDL tables document it: `ADD COLUMN` is INSTANT, `ADD
//! INDEX` is INPLACE with LOCK=NONE (writes go on), appending ENUM/SET
//! values is INSTANT; a column type change, reordering or removing ENUM/SET
//! values, dropping the primary key and a foreign key added while
//! `foreign_key_checks = 1` are COPY (the table is copied, writes wait).
//!
//! What a `MODIFY COLUMN` changes is read against the definition the
//! migration's `down()` restores; without one a `MODIFY` is taken to change
//! the type. A statement that states `ALGORITHM=INPLACE|INSTANT` or
//! `LOCK=NONE` is not reported: the server refuses it rather than copy.

use sqlparser::ast::{
    AlterTableAlgorithm, AlterTableLock, AlterTableOperation, CharacterLength, DataType,
    EnumMember, TableConstraint,
};

use super::check::Previous;
use super::rules::{self, Rule};

/// The MySQL findings of one `ALTER TABLE` on an existing table.
pub(super) fn alter_table(
    table: &str,
    ops: &[AlterTableOperation],
    previous: &Previous,
    fk_checks_off: bool,
) -> Vec<&'static Rule> {
    let online = ops.iter().any(|op| match op {
        AlterTableOperation::Algorithm { algorithm, .. } => matches!(
            algorithm,
            AlterTableAlgorithm::Inplace | AlterTableAlgorithm::Instant
        ),
        AlterTableOperation::Lock { lock, .. } => matches!(lock, AlterTableLock::None),
        _ => false,
    });
    let mut out: Vec<&'static Rule> = Vec::new();
    let mut add = |rule: &'static Rule| {
        if !out.iter().any(|r| r.id == rule.id) {
            out.push(rule);
        }
    };
    for op in ops {
        let (column, data_type) = match op {
            AlterTableOperation::ModifyColumn {
                col_name,
                data_type,
                ..
            } => (&col_name.value, data_type),
            AlterTableOperation::ChangeColumn {
                old_name,
                data_type,
                ..
            } => (&old_name.value, data_type),
            AlterTableOperation::AddConstraint {
                constraint: TableConstraint::ForeignKey(_),
                ..
            } => {
                if !fk_checks_off && !online {
                    add(&rules::MYSQL_FK);
                }
                continue;
            }
            AlterTableOperation::DropPrimaryKey { .. } => {
                if !ops.iter().any(|o| {
                    matches!(
                        o,
                        AlterTableOperation::AddConstraint {
                            constraint: TableConstraint::PrimaryKey(_),
                            ..
                        }
                    )
                }) && !online
                {
                    add(&rules::MYSQL_COPY);
                }
                continue;
            }
            _ => continue,
        };
        let before = previous.get(&(table.to_owned(), column.clone()));
        match modify(before, data_type) {
            Algorithm::Instant | Algorithm::Inplace => {}
            Algorithm::CopyEnum => add(&rules::MYSQL_ENUM),
            Algorithm::Copy if !online => add(&rules::MYSQL_COPY),
            Algorithm::Copy => {}
        }
    }
    out
}

/// What a `MODIFY`/`CHANGE` from `before` to `after` gets.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Algorithm {
    Instant,
    Inplace,
    Copy,
    /// ENUM/SET values reordered or removed: COPY, and rows may not fit.
    CopyEnum,
}

pub(super) fn modify(before: Option<&DataType>, after: &DataType) -> Algorithm {
    let Some(before) = before else {
        return match after {
            // Values appended or not, nobody can tell: assume the common case.
            DataType::Enum(..) | DataType::Set(_) => Algorithm::Instant,
            _ => Algorithm::Copy,
        };
    };
    if let (Some(old), Some(new)) = (members(before), members(after)) {
        return if new.len() >= old.len() && new[..old.len()] == old[..] {
            Algorithm::Instant
        } else {
            Algorithm::CopyEnum
        };
    }
    if before.to_string().eq_ignore_ascii_case(&after.to_string()) {
        // Nullability or default only: in place (a default alone is instant).
        return Algorithm::Inplace;
    }
    // VARCHAR widened within the same length-prefix size (1 byte up to 255
    // bytes, utf8mb4 counting 4 bytes a character) is in place.
    if let (Some(old), Some(new)) = (varchar(before), varchar(after))
        && new >= old
        && (old * 4 <= 255) == (new * 4 <= 255)
    {
        return Algorithm::Inplace;
    }
    Algorithm::Copy
}

fn members(t: &DataType) -> Option<Vec<String>> {
    match t {
        DataType::Enum(m, _) => Some(
            m.iter()
                .map(|m| match m {
                    EnumMember::Name(n) | EnumMember::NamedValue(n, _) => n.clone(),
                })
                .collect(),
        ),
        DataType::Set(m) => Some(m.clone()),
        _ => None,
    }
}

fn varchar(t: &DataType) -> Option<u64> {
    match t {
        DataType::Varchar(Some(CharacterLength::IntegerLength { length, .. }))
        | DataType::CharacterVarying(Some(CharacterLength::IntegerLength { length, .. })) => {
            Some(*length)
        }
        _ => None,
    }
}
