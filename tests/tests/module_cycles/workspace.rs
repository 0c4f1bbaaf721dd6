//! The crates the check reads: the members the root `Cargo.toml` lists, and in each the root
//! file of its library and of every binary, so that a new member or binary is checked without
//! editing the test.

use std::fs;
use std::path::{Path, PathBuf};

/// One crate to check: the library or a binary of a workspace member.
pub(crate) struct CrateRoot {
    /// The member's package name, and the binary's name for a binary, for messages.
    pub(crate) name: String,
    /// The crate's root file (`src/lib.rs`, `src/main.rs`, `src/bin/x.rs`, ...).
    pub(crate) file: PathBuf,
}

/// Every library and binary crate of the workspace rooted at `workspace`.
pub(crate) fn crate_roots(workspace: &Path) -> Vec<CrateRoot> {
    let manifest = read_manifest(&workspace.join("Cargo.toml"));
    let members = manifest
        .get("workspace")
        .and_then(|workspace| workspace.get("members"))
        .and_then(toml::Value::as_array)
        .unwrap_or_else(|| panic!("the root Cargo.toml lists no workspace members"));
    members
        .iter()
        .flat_map(|member| {
            let member = member
                .as_str()
                .unwrap_or_else(|| panic!("a workspace member is not a string: {member}"));
            assert!(
                !member.contains('*'),
                "workspace member {member}: globs are not expanded here; list each member"
            );
            member_roots(&workspace.join(member))
        })
        .collect()
}

/// The library and binaries of the member in `dir`: the paths its manifest names, and those
/// Cargo finds by itself (`src/lib.rs`, `src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`).
fn member_roots(dir: &Path) -> Vec<CrateRoot> {
    let manifest = read_manifest(&dir.join("Cargo.toml"));
    let package = manifest
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(toml::Value::as_str)
        .unwrap_or_else(|| panic!("{} names no package", dir.display()));
    let path_of = |target: &toml::Value| {
        target
            .get("path")
            .and_then(toml::Value::as_str)
            .map(|path| dir.join(path))
    };

    let library = manifest
        .get("lib")
        .and_then(path_of)
        .unwrap_or_else(|| dir.join("src/lib.rs"));
    let mut binaries = vec![dir.join("src/main.rs")];
    if let Some(bins) = manifest.get("bin").and_then(toml::Value::as_array) {
        binaries.extend(bins.iter().filter_map(path_of));
    }
    if let Ok(entries) = fs::read_dir(dir.join("src/bin")) {
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .map(|path| {
                if path.is_dir() {
                    path.join("main.rs")
                } else {
                    path
                }
            })
            .filter(|path| path.extension().is_some_and(|extension| extension == "rs"))
            .collect();
        found.sort();
        binaries.extend(found);
    }

    let binaries = binaries.into_iter().map(|file| {
        let shown = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .display()
            .to_string();
        (format!("{package} ({shown})"), file)
    });
    let mut roots: Vec<CrateRoot> = Vec::new();
    for (name, file) in std::iter::once((package.to_owned(), library)).chain(binaries) {
        if file.is_file() && roots.iter().all(|root| root.file != file) {
            roots.push(CrateRoot { name, file });
        }
    }
    roots
}

fn read_manifest(path: &Path) -> toml::Table {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    text.parse()
        .unwrap_or_else(|error| panic!("cannot parse {}: {error}", path.display()))
}
