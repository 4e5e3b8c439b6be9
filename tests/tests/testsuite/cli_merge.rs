//! `autogen merge`: two developers each add a migration on their copy of
//! the workspace; combined (as a version-control merge would), the graph
//! has two heads, generating refuses, `merge` joins them, and the merged
//! workspace builds and applies all of it.

use crate::cli_common;

use std::path::Path;

use cli_common::{Autogen, build_copy, copy_workspace, rows};
use tests::support::{HEAD, TestDb};

fn new_migration(ws: &Path, slug: &str) -> String {
    std::fs::read_dir(ws.join("migration/src"))
        .expect("ls")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.contains(slug))
        .unwrap_or_else(|| panic!("no migration file with {slug}"))
        .trim_end_matches(".rs")
        .to_owned()
}

/// Bring `name` (file and registration) from `from` into `into`, as a
/// merge of the two branches' changes to `migration/src` would.
fn take_migration(from: &Path, into: &Path, name: &str) {
    let file = format!("migration/src/{name}.rs");
    std::fs::copy(from.join(&file), into.join(&file)).expect("copy the migration");
    let lib_path = into.join("migration/src/lib.rs");
    let lib = std::fs::read_to_string(&lib_path).expect("lib.rs");
    let lib = lib
        .replace(
            "pub struct Migrator;",
            &format!("mod {name};\n\npub struct Migrator;"),
        )
        .replace(
            "            // autogen:migrations:end",
            &format!(
                "            Box::new({name}::Migration),\n            // autogen:migrations:end"
            ),
        );
    std::fs::write(&lib_path, lib).expect("write lib.rs");
}

#[test]
fn two_branches_are_merged_into_one_head_and_apply() {
    let alice = copy_workspace();
    let bob = copy_workspace();
    let db = TestDb::postgres();
    let ag = |ws: &Path| Autogen::new(&db.url()).in_dir(ws);

    ag(alice.path())
        .run(&["revision", "--empty", "-m", "alice adds reports"])
        .ok();
    ag(bob.path())
        .run(&["revision", "--empty", "-m", "bob adds audits"])
        .ok();
    let a = new_migration(alice.path(), "alice_adds_reports");
    let b = new_migration(bob.path(), "bob_adds_audits");
    take_migration(bob.path(), alice.path(), &b);
    let ws = alice.path();

    let heads = ag(ws).run(&["heads", "--json"]).json();
    assert_eq!(heads["heads"], serde_json::json!([a, b]));
    let text = ag(ws).run(&["heads"]);
    assert!(
        text.ok().stdout.contains("2 heads: run `autogen merge"),
        "{text}"
    );

    // Generating on top of two heads is refused, before touching the database.
    for args in [&["-m", "more"][..], &["revision", "--empty", "-m", "more"]] {
        let run = ag(ws).run(args);
        let line = run.one_line_error();
        assert!(line.contains("2 heads"), "{args:?}: {run}");
        assert!(line.contains("autogen merge"), "{args:?}: {run}");
    }

    let run = ag(ws).run(&["merge", "-m", "merge reports and audits"]);
    run.ok();
    let merge = new_migration(ws, "merge_reports_and_audits");
    assert!(
        run.stdout.contains(&format!("(merge of {a}, {b})")),
        "{run}"
    );
    let text =
        std::fs::read_to_string(ws.join(format!("migration/src/{merge}.rs"))).expect("merge file");
    assert!(text.contains(&format!("//! Parent: {a}, {b}")), "{text}");
    assert!(text.contains("only merges heads"), "{text}");

    let heads = ag(ws).run(&["heads", "--json"]).json();
    assert_eq!(heads["heads"], serde_json::json!([merge]));
    let again = ag(ws).run(&["merge", "-m", "again"]);
    assert!(
        again.one_line_error().contains("nothing to merge"),
        "{again}"
    );

    // The merged workspace builds, and its history applies in list order.
    let bin = build_copy(ws, "merge");
    let built = Autogen::new(&db.url()).in_dir(ws).binary(&bin);
    built.run(&["upgrade"]).ok();
    assert_eq!(
        rows(&db),
        vec![HEAD.to_owned(), a.clone(), b.clone(), merge.clone()]
    );
    let current = built.run(&["current"]);
    assert_eq!(current.ok().stdout.trim(), format!("{merge} (head)"));
    let history = built.run(&["history"]);
    assert!(
        history
            .ok()
            .stdout
            .contains(&format!("{a}, {b} -> {merge} (head) (current)")),
        "{history}"
    );
    let check = built.run(&["check"]);
    assert!(check.ok().stdout.contains("No changes detected"), "{check}");
    // And rolls back through the merge.
    built.run(&["downgrade", "base", "--yes"]).ok();
    assert_eq!(rows(&db), Vec::<String>::new());
}
