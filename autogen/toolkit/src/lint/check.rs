//! The walk over one migration's statements, in order: what each statement
//! does to a table that exists before the migration (a table the migration
//! creates has no rows and no readers yet) and what the migration set up
//! before it (timeouts, enum values, validated checks, foreign key checks).

use std::collections::{BTreeMap, BTreeSet};

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, AlterTypeOperation, ColumnOption, DataType, Expr,
    ObjectName, ObjectType, Set, Statement, TableConstraint,
};

use super::mysql;
use super::parse::{Unit, parse};
use super::rules::{self, Rule, Target};
use super::{Finding, Input};
use crate::plan::is_volatile;

/// The column definitions a migration's `down()` restores: what a MySQL
/// `MODIFY COLUMN` in `up()` changes from, keyed by (table, column).
pub(super) type Previous = BTreeMap<(String, String), DataType>;

/// Read the `down()` statements for the definitions they restore.
pub(super) fn previous(target: &Target, down: &[String]) -> Previous {
    let mut out = Previous::new();
    for sql in down {
        for unit in parse(target.dialect, sql) {
            if let Statement::AlterTable(alter) = &unit.statement {
                let table = name(&alter.name);
                for op in &alter.operations {
                    match op {
                        AlterTableOperation::ModifyColumn {
                            col_name,
                            data_type,
                            ..
                        } => {
                            out.insert((table.clone(), col_name.value.clone()), data_type.clone());
                        }
                        // `down()` renames back: the definition is the new name's.
                        AlterTableOperation::ChangeColumn {
                            new_name,
                            data_type,
                            ..
                        } => {
                            out.insert((table.clone(), new_name.value.clone()), data_type.clone());
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    out
}

/// A relation's name as the walk compares it (parts joined by `.`).
pub(super) fn name(n: &ObjectName) -> String {
    n.0.iter()
        .map(|p| {
            p.as_ident()
                .map_or_else(|| p.to_string(), |i| i.value.clone())
        })
        .collect::<Vec<_>>()
        .join(".")
}

pub(super) struct Walk<'a> {
    target: Target,
    migration: &'a str,
    transactional: bool,
    previous: Previous,
    created: BTreeSet<String>,
    created_indexes: BTreeSet<String>,
    lock_timeout: bool,
    timeout_reported: bool,
    new_values: Vec<String>,
    /// `CHECK (col IS NOT NULL)` constraints added: name → column.
    not_null_checks: BTreeMap<String, String>,
    /// Columns whose NOT NULL check was validated (SET NOT NULL is then a catalog update).
    validated: BTreeSet<String>,
    /// Constraints dropped `IF EXISTS` (a later ADD of the name can run twice).
    dropped_constraints: BTreeSet<String>,
    /// MySQL `SET foreign_key_checks = 0` in force.
    fk_checks_off: bool,
    pub(super) out: Vec<Finding>,
}

impl<'a> Walk<'a> {
    pub(super) fn new(
        target: Target,
        migration: &'a str,
        transactional: bool,
        previous: Previous,
    ) -> Self {
        Walk {
            target,
            migration,
            transactional,
            previous,
            created: BTreeSet::new(),
            created_indexes: BTreeSet::new(),
            lock_timeout: false,
            timeout_reported: false,
            new_values: Vec::new(),
            not_null_checks: BTreeMap::new(),
            validated: BTreeSet::new(),
            dropped_constraints: BTreeSet::new(),
            fk_checks_off: false,
            out: Vec::new(),
        }
    }

    pub(super) fn statement(&mut self, at: usize, input: &Input<'_>) {
        for unit in parse(self.target.dialect, input.sql) {
            self.unit(at, input, &unit);
        }
    }

    fn found(&mut self, rule: &Rule, at: usize, sql: &str) {
        if !(rule.applies)(&self.target) {
            return;
        }
        self.out.push(Finding {
            rule: rule.id,
            migration: self.migration.to_owned(),
            statement: at,
            sql: sql.to_owned(),
            why: rule.why,
            instead: rule.instead,
        });
    }

    fn existing(&self, table: &str) -> bool {
        !self.created.contains(table)
    }

    /// A statement that waits for a table lock: the migration must have set
    /// a lock timeout first (reported once).
    fn takes_lock(&mut self, at: usize, sql: &str) {
        if !self.lock_timeout && !self.timeout_reported {
            self.timeout_reported = true;
            self.found(&rules::TIMEOUTS, at, sql);
        }
    }

    /// Outside a transaction, a statement that cannot run twice.
    fn fragile(&mut self, at: usize, input: &Input<'_>, robust: bool) {
        if !self.transactional && !robust && !input.guarded {
            self.found(&rules::ROBUST, at, input.sql);
        }
    }

    fn unit(&mut self, at: usize, input: &Input<'_>, unit: &Unit) {
        let sql = input.sql;
        if self.transactional
            && !self.new_values.is_empty()
            && unit.literals.iter().any(|l| self.new_values.contains(l))
            && !matches!(unit.statement, Statement::AlterType(_))
        {
            self.found(&rules::ENUM_SAME_TXN, at, sql);
        }
        match &unit.statement {
            Statement::Set(Set::SingleAssignment {
                variable, values, ..
            }) => {
                let var = name(variable).to_ascii_lowercase();
                match var.as_str() {
                    "lock_timeout" => self.lock_timeout = true,
                    "foreign_key_checks" => {
                        self.fk_checks_off = values.first().is_some_and(|v| {
                            matches!(
                                v.to_string().to_ascii_lowercase().as_str(),
                                "0" | "off" | "false"
                            )
                        })
                    }
                    _ => {}
                }
            }
            Statement::CreateTable(t) => {
                self.created.insert(name(&t.name));
                self.fragile(at, input, t.if_not_exists);
            }
            Statement::CreateIndex(ix) => {
                let table = name(&ix.table_name);
                if let Some(n) = &ix.name {
                    self.created_indexes.insert(name(n));
                }
                if self.existing(&table) {
                    self.takes_lock(at, sql);
                    if !ix.concurrently {
                        self.found(&rules::CONCURRENT_CREATE, at, sql);
                    }
                }
                if ix.concurrently && self.transactional {
                    self.found(&rules::CONCURRENT_IN_TXN, at, sql);
                }
                self.fragile(at, input, ix.if_not_exists);
            }
            Statement::Drop {
                object_type,
                if_exists,
                names,
                ..
            } => match object_type {
                ObjectType::Index => {
                    let fresh = names
                        .iter()
                        .all(|n| self.created_indexes.contains(&name(n)));
                    if !fresh {
                        self.takes_lock(at, sql);
                        if !unit.concurrently {
                            self.found(&rules::CONCURRENT_DROP, at, sql);
                        }
                    }
                    if unit.concurrently && self.transactional {
                        self.found(&rules::CONCURRENT_IN_TXN, at, sql);
                    }
                    self.fragile(at, input, *if_exists);
                }
                ObjectType::Table => {
                    if names.iter().any(|n| self.existing(&name(n))) {
                        self.takes_lock(at, sql);
                        self.found(&rules::DROP_TABLE, at, sql);
                    }
                    self.fragile(at, input, *if_exists);
                }
                ObjectType::Type => {
                    self.takes_lock(at, sql);
                    self.fragile(at, input, *if_exists);
                }
                _ => {}
            },
            Statement::AlterType(alter) => {
                self.takes_lock(at, sql);
                if let AlterTypeOperation::AddValue(add) = &alter.operation {
                    self.new_values.push(add.value.value.clone());
                    self.fragile(at, input, add.if_not_exists);
                }
            }
            Statement::AlterTable(alter) => {
                let table = name(&alter.name);
                if !self.existing(&table) {
                    return;
                }
                self.takes_lock(at, sql);
                for op in &alter.operations {
                    self.alter_op(at, input, op);
                }
                if self.target.dialect == autogen_runtime::config::Backend::MySql {
                    for rule in mysql::alter_table(
                        &table,
                        &alter.operations,
                        &self.previous,
                        self.fk_checks_off,
                    ) {
                        self.found(rule, at, sql);
                    }
                }
            }
            _ => {}
        }
    }

    fn alter_op(&mut self, at: usize, input: &Input<'_>, op: &AlterTableOperation) {
        let sql = input.sql;
        match op {
            AlterTableOperation::RenameColumn { .. } => self.found(&rules::RENAME_COLUMN, at, sql),
            AlterTableOperation::ChangeColumn {
                old_name, new_name, ..
            } if old_name.value != new_name.value => self.found(&rules::RENAME_COLUMN, at, sql),
            AlterTableOperation::RenameTable { .. } => self.found(&rules::RENAME_TABLE, at, sql),
            AlterTableOperation::DropColumn { if_exists, .. } => {
                self.found(&rules::DROP_COLUMN, at, sql);
                self.fragile(at, input, *if_exists);
            }
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => {
                let options = || column_def.options.iter().map(|o| &o.option);
                let default = options().find_map(|o| match o {
                    ColumnOption::Default(e) => Some(e),
                    _ => None,
                });
                let not_null = options().any(|o| matches!(o, ColumnOption::NotNull));
                if not_null && default.is_none() {
                    self.found(&rules::NOT_NULL_FIELD, at, sql);
                }
                if default.is_some_and(|d| is_volatile(&d.to_string())) {
                    self.found(&rules::VOLATILE_DEFAULT, at, sql);
                }
                self.fragile(at, input, *if_not_exists);
            }
            AlterTableOperation::AlterColumn { column_name, op } => match op {
                AlterColumnOperation::SetDataType { .. } => {
                    self.found(&rules::COLUMN_TYPE, at, sql)
                }
                AlterColumnOperation::SetNotNull
                    if !self.validated.contains(&column_name.value) =>
                {
                    self.found(&rules::SET_NOT_NULL, at, sql)
                }
                _ => {}
            },
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => {
                let named = constraint_name(constraint);
                match constraint {
                    TableConstraint::ForeignKey(_) if !not_valid => {
                        self.found(&rules::NOT_VALID, at, sql)
                    }
                    TableConstraint::Check(check) => {
                        if let (Some(n), Some(col)) = (&named, not_null_column(&check.expr)) {
                            self.not_null_checks.insert(n.clone(), col);
                        }
                        if !not_valid {
                            self.found(&rules::NOT_VALID, at, sql);
                        }
                    }
                    TableConstraint::Unique(_) => self.found(&rules::UNIQUE, at, sql),
                    _ => {}
                }
                let redone = named.is_some_and(|n| self.dropped_constraints.contains(&n));
                self.fragile(at, input, redone);
            }
            AlterTableOperation::ValidateConstraint { name } => {
                if let Some(col) = self.not_null_checks.get(&name.value) {
                    self.validated.insert(col.clone());
                }
            }
            AlterTableOperation::DropConstraint {
                if_exists, name, ..
            } => {
                if *if_exists {
                    self.dropped_constraints.insert(name.value.clone());
                }
                self.fragile(at, input, *if_exists);
            }
            _ => {}
        }
    }
}

fn constraint_name(c: &TableConstraint) -> Option<String> {
    let n = match c {
        TableConstraint::ForeignKey(c) => c.name.as_ref(),
        TableConstraint::Check(c) => c.name.as_ref(),
        TableConstraint::Unique(c) => c.name.as_ref(),
        TableConstraint::PrimaryKey(c) => c.name.as_ref(),
        TableConstraint::UniqueUsingIndex(c) | TableConstraint::PrimaryKeyUsingIndex(c) => {
            c.name.as_ref()
        }
        _ => None,
    };
    n.map(|i| i.value.clone())
}

/// The column of `col IS NOT NULL`.
fn not_null_column(e: &Expr) -> Option<String> {
    match e {
        Expr::IsNotNull(inner) => match inner.as_ref() {
            Expr::Identifier(i) => Some(i.value.clone()),
            Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
            _ => None,
        },
        Expr::Nested(inner) => not_null_column(inner),
        _ => None,
    }
}
