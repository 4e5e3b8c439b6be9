//! The rules on MySQL/MariaDB statements: the ALGORITHM each gets.

use super::*;

/// Rules for `up`, with the `down()` that restores the previous definitions.
fn mysql(up: &[&str], down: &[&str]) -> Vec<&'static str> {
    let inputs: Vec<Input<'_>> = up
        .iter()
        .map(|sql| Input {
            sql,
            guarded: false,
        })
        .collect();
    let down: Vec<String> = down.iter().map(|s| s.to_string()).collect();
    lint_inputs(&Target::of(Backend::MySql), "m", false, &inputs, &down)
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn each_statement_gets_the_algorithm_mysql_gives_it() {
    // (up, down, rules): INSTANT and INPLACE/LOCK=NONE are clean, COPY is not.
    let cases: &[(&str, &str, &[&str])] = &[
        // ADD COLUMN: INSTANT.
        ("ALTER TABLE `a` ADD COLUMN `n` int NULL", "", &[]),
        // ADD INDEX / CREATE INDEX: INPLACE, LOCK=NONE.
        ("ALTER TABLE `a` ADD INDEX `i` (`n`)", "", &[]),
        ("CREATE INDEX `i` ON `a` (`n`)", "", &[]),
        ("CREATE UNIQUE INDEX `u` ON `a` (`n`)", "", &[]),
        ("DROP INDEX `i` ON `a`", "", &[]),
        // A type change: COPY.
        (
            "ALTER TABLE `a` MODIFY COLUMN `n` bigint NOT NULL",
            "ALTER TABLE `a` MODIFY COLUMN `n` int NOT NULL",
            &["mysql-table-copy"],
        ),
        // Without a down() to compare with, a MODIFY is taken to change the type.
        (
            "ALTER TABLE `a` MODIFY COLUMN `n` bigint NOT NULL",
            "",
            &["mysql-table-copy"],
        ),
        // Nullability only: INPLACE.
        (
            "ALTER TABLE `a` MODIFY COLUMN `n` int NOT NULL",
            "ALTER TABLE `a` MODIFY COLUMN `n` int NULL",
            &[],
        ),
        // VARCHAR widened within one length-prefix size: INPLACE; across it: COPY.
        (
            "ALTER TABLE `a` MODIFY COLUMN `s` varchar(60)",
            "ALTER TABLE `a` MODIFY COLUMN `s` varchar(20)",
            &[],
        ),
        (
            "ALTER TABLE `a` MODIFY COLUMN `s` varchar(255)",
            "ALTER TABLE `a` MODIFY COLUMN `s` varchar(20)",
            &["mysql-table-copy"],
        ),
        // Stating the algorithm: the server refuses rather than copies.
        (
            "ALTER TABLE `a` MODIFY COLUMN `n` bigint NOT NULL, ALGORITHM=INPLACE, LOCK=NONE",
            "ALTER TABLE `a` MODIFY COLUMN `n` int NOT NULL",
            &[],
        ),
        // ENUM values appended: INSTANT; reordered or removed: COPY.
        (
            "ALTER TABLE `a` MODIFY COLUMN `s` ENUM('a', 'b', 'c') NOT NULL",
            "ALTER TABLE `a` MODIFY COLUMN `s` ENUM('a', 'b') NOT NULL",
            &[],
        ),
        (
            "ALTER TABLE `a` MODIFY COLUMN `s` ENUM('b', 'a') NOT NULL",
            "ALTER TABLE `a` MODIFY COLUMN `s` ENUM('a', 'b') NOT NULL",
            &["mysql-enum-reorder"],
        ),
        (
            "ALTER TABLE `a` MODIFY COLUMN `s` ENUM('a') NOT NULL",
            "ALTER TABLE `a` MODIFY COLUMN `s` ENUM('a', 'b') NOT NULL",
            &["mysql-enum-reorder"],
        ),
        (
            "ALTER TABLE `a` MODIFY COLUMN `f` SET('x', 'z')",
            "ALTER TABLE `a` MODIFY COLUMN `f` SET('x', 'y')",
            &["mysql-enum-reorder"],
        ),
        // A foreign key with foreign_key_checks = 1: COPY.
        (
            "ALTER TABLE `a` ADD CONSTRAINT `f` FOREIGN KEY (`b`) REFERENCES `b` (`id`)",
            "",
            &["mysql-foreign-key-copy"],
        ),
        // Dropping the primary key alone: COPY.
        (
            "ALTER TABLE `a` DROP PRIMARY KEY",
            "",
            &["mysql-table-copy"],
        ),
        // The shared rules still apply.
        ("ALTER TABLE `a` DROP COLUMN `n`", "", &["drop-column"]),
        (
            "ALTER TABLE `a` CHANGE COLUMN `x` `y` int",
            "ALTER TABLE `a` CHANGE COLUMN `y` `x` int",
            &["renaming-column"],
        ),
    ];
    for (up, down, want) in cases {
        let down: Vec<&str> = if down.is_empty() { vec![] } else { vec![*down] };
        assert_eq!(mysql(&[up], &down), *want, "{up}");
    }
}

#[test]
fn a_foreign_key_with_checks_off_is_added_in_place() {
    assert!(
        mysql(
            &[
                "SET foreign_key_checks = 0",
                "ALTER TABLE `a` ADD CONSTRAINT `f` FOREIGN KEY (`b`) REFERENCES `b` (`id`)",
                "SET foreign_key_checks = 1",
            ],
            &[]
        )
        .is_empty()
    );
    // Set back on before: copied again.
    assert_eq!(
        mysql(
            &[
                "SET foreign_key_checks = 0",
                "SET foreign_key_checks = 1",
                "ALTER TABLE `a` ADD CONSTRAINT `f` FOREIGN KEY (`b`) REFERENCES `b` (`id`)",
            ],
            &[]
        ),
        ["mysql-foreign-key-copy"]
    );
}

#[test]
fn what_a_new_mysql_table_gets_is_not_flagged() {
    assert!(
        mysql(
            &[
                "CREATE TABLE `t` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `s` ENUM('a','b'))",
                "ALTER TABLE `t` ADD CONSTRAINT `f` FOREIGN KEY (`id`) REFERENCES `b` (`id`)",
                "ALTER TABLE `t` MODIFY COLUMN `s` ENUM('b','a')",
            ],
            &[]
        )
        .is_empty()
    );
}

#[test]
fn mysql_rules_never_fire_on_postgres_or_sqlite() {
    let statements =
        [r#"ALTER TABLE "a" ADD CONSTRAINT "f" FOREIGN KEY ("b") REFERENCES "b" ("id") NOT VALID"#];
    for backend in [Backend::Postgres, Backend::Sqlite] {
        let inputs: Vec<Input<'_>> = statements
            .iter()
            .map(|sql| Input {
                sql,
                guarded: false,
            })
            .collect();
        let got = lint_inputs(&Target::of(backend), "m", true, &inputs, &[]);
        assert!(
            got.iter().all(|f| !f.rule.starts_with("mysql-")),
            "{backend}: {got:?}"
        );
    }
}
