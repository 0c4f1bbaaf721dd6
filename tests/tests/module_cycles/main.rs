//! No crate of the workspace has an import cycle between its modules.
//!
//! A cycle between modules means neither can be read, tested or moved without the other: two
//! modules that need each other are one concept split in two, or a shared piece that wants a
//! home of its own. This test reads the sources of every library and binary of every member the
//! root `Cargo.toml` lists (with `syn`, without compiling them) and fails listing each cycle,
//! as `crate::a -> crate::b -> crate::a` followed by the file and line of each step.
//!
//! What counts, so that the check stays meaningful:
//! - The nodes are the modules: each file, and each inline `mod name { ... }` block.
//! - `#[cfg(test)]` modules are not nodes, and no test-only item adds an edge: tests use the
//!   module around them by design.
//! - An edge `a -> b` is a path in `a` that names an item of `b` or `b` itself: a `use` item, or a
//!   path in a type, an expression or a pattern (`crate::x::Y`, `super::x::y()`, `x::Y::new()`
//!   after `use crate::x`, or `Y` alone when a re-export or a glob import brought it), or a path
//!   of two or more segments in a macro's arguments. Each path counts for the deepest module it
//!   names.
//! - A `use` with any visibility (`pub use`, `pub(crate) use`) re-exports: it is not a
//!   dependency of the module that writes it, and a path through it counts for the module that
//!   defines the item.
//! - `mod name;` declarations are not edges: a parent declares its children without using them.
//! - A folder is a module: an edge between two files also counts between the sibling modules
//!   that hold them (`reports/outbox.rs -> sync/wire.rs` is also `reports -> sync`), so a loop
//!   between folders is a cycle even when no two files use each other.
//! - Integration tests, benches and examples are not read: like `#[cfg(test)]` modules, they use
//!   the crate from outside.
//!
//! The tests after the workspace's own feed the checker small crates, written to a temporary
//! directory, with and without a cycle, so that a pass means something.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cycles;
mod graph;
mod modules;
mod workspace;

use std::path::Path;

use modules::Crate;

#[test]
fn no_crate_of_the_workspace_has_a_cycle_between_its_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is a member inside the workspace");
    let crates = workspace::crate_roots(root);
    let mut report = Vec::new();
    for target in &crates {
        let krate = Crate::read(&target.file);
        println!("{}: {} modules read", target.name, krate.modules.len());
        for cycle in cycles::cycles(&krate, root) {
            report.push(format!("{}: {cycle}", target.name));
        }
    }
    assert!(crates.len() >= 2, "the workspace's crates were not found");
    assert!(
        report.is_empty(),
        "{} module cycles:\n{}",
        report.len(),
        report.join("\n")
    );
}

/// The cycles the checker finds in a crate made of `files` (path and text), root `src/lib.rs`.
fn cycles_in(files: &[(&str, &str)]) -> Vec<String> {
    let directory = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = directory.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let krate = Crate::read(&directory.path().join("src/lib.rs"));
    cycles::cycles(&krate, directory.path())
}

#[test]
fn two_files_that_use_each_other_are_a_cycle() {
    let found = cycles_in(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", "use crate::b::B;\npub struct A;\n"),
        ("src/b.rs", "pub struct B(pub crate::a::A);\n"),
    ]);
    assert_eq!(
        found,
        ["crate::a -> crate::b -> crate::a\n    \
          src/a.rs:1 uses crate::b::B\n    \
          src/b.rs:1 uses crate::a::A"]
    );
}

#[test]
fn a_cycle_through_a_re_export_and_a_module_folder_is_found() {
    // `c` reaches `a` through the re-export in the root; `a` reaches `c` through `folder`'s.
    let found = cycles_in(&[
        ("src/lib.rs", "mod a;\nmod folder;\npub use a::A;\n"),
        (
            "src/a.rs",
            "pub struct A;\npub fn make() -> crate::folder::C { crate::folder::C(A) }\n",
        ),
        ("src/folder/mod.rs", "mod c;\npub use self::c::C;\n"),
        ("src/folder/c.rs", "use crate::A;\npub struct C(pub A);\n"),
    ]);
    // Once between the files, and once between `a` and the folder that holds `c`.
    assert_eq!(
        found,
        [
            "crate::a -> crate::folder -> crate::a\n    \
             src/a.rs:2 uses crate::folder::C\n    \
             src/folder/c.rs:1 uses crate::A",
            "crate::a -> crate::folder::c -> crate::a\n    \
             src/a.rs:2 uses crate::folder::C\n    \
             src/folder/c.rs:1 uses crate::A"
        ]
    );
}

#[test]
fn an_inline_module_and_a_macro_argument_make_a_cycle() {
    let found = cycles_in(&[(
        "src/lib.rs",
        "pub fn outer() { inner::call(); }\n\
         mod inner {\n    pub fn call() { assert!(super::helpers::ready()); }\n}\n\
         mod helpers {\n    pub fn ready() -> bool { crate::outer(); true }\n}\n",
    )]);
    assert_eq!(
        found,
        ["crate -> crate::inner -> crate::helpers -> crate\n    \
             src/lib.rs:1 uses inner::call\n    \
             src/lib.rs:3 uses super::helpers::ready\n    \
             src/lib.rs:6 uses crate::outer"]
    );
}

#[test]
fn two_folders_whose_files_use_each_other_are_a_cycle() {
    // No file uses a file that uses it back, but `reports` needs `sync` and `sync` needs
    // `reports`.
    let found = cycles_in(&[
        ("src/lib.rs", "mod reports;\nmod sync;\n"),
        ("src/reports/mod.rs", "mod model;\nmod outbox;\n"),
        ("src/reports/model.rs", "pub struct Report;\n"),
        ("src/reports/outbox.rs", "use crate::sync::wire::Status;\n"),
        ("src/sync/mod.rs", "mod engine;\nmod wire;\n"),
        ("src/sync/wire.rs", "pub struct Status;\n"),
        ("src/sync/engine.rs", "use crate::reports::model::Report;\n"),
    ]);
    assert_eq!(
        found,
        ["crate::reports -> crate::sync -> crate::reports\n    \
          src/reports/outbox.rs:1 uses crate::sync::wire::Status\n    \
          src/sync/engine.rs:1 uses crate::reports::model::Report"]
    );
}

#[test]
fn a_name_used_where_it_is_re_exported_is_a_dependency() {
    // The root re-exports `Store`, which says nothing, but it also uses it, which does.
    let found = cycles_in(&[
        (
            "src/lib.rs",
            "mod store;\npub use store::Store;\npub fn open() -> Store { Store }\npub fn helper() {}\n",
        ),
        (
            "src/store.rs",
            "pub struct Store;\nimpl Store {\n    pub fn new() -> Self { crate::helper(); Store }\n}\n",
        ),
    ]);
    assert_eq!(
        found,
        ["crate -> crate::store -> crate\n    \
          src/lib.rs:3 uses Store\n    \
          src/store.rs:3 uses crate::helper"]
    );
}

#[test]
fn tests_re_exports_and_module_declarations_are_not_cycles() {
    let found = cycles_in(&[
        (
            "src/lib.rs",
            "mod model;\nmod store;\npub use model::Report;\npub use store::Store;\n",
        ),
        (
            "src/model.rs",
            "pub struct Report;\n\
             #[cfg(test)]\nmod tests {\n    use crate::store::Store;\n}\n\
             #[cfg(test)]\nfn fixture() -> crate::store::Store { crate::store::Store }\n",
        ),
        (
            "src/store.rs",
            "use crate::Report;\npub struct Store;\n\
             impl Store {\n    pub fn keep(&self, _: Report) -> crate::model::Report { Report }\n}\n",
        ),
    ]);
    assert!(found.is_empty(), "{found:?}");
}
