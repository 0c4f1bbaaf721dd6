//! The dependencies between the modules of one crate: each path a module's code refers to,
//! resolved to the deepest module it names.
//!
//! A path is read segment by segment, the way the compiler reads it: `crate`, `self` and
//! `super` move between modules; any other name is looked up among the modules declared, the
//! items defined and the names imported where the path has got to. A name brought in by a `use`
//! (a re-export especially) is followed to the module that defines what it names. The path ends
//! at the first item (the rest is a variant, a field or an associated item) or at the last
//! module it names. A path whose first name the crate does not define (another crate, `std`, a
//! generic parameter) names no module of this crate.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use super::modules::{Crate, ModuleId};

/// Where a module's code first refers to another module.
pub(crate) struct Evidence {
    /// The module whose code makes the reference.
    pub(crate) by: ModuleId,
    /// The line, in the referring module's file.
    pub(crate) line: usize,
    /// The path as written.
    pub(crate) path: String,
}

/// Each edge `from -> to` between two different modules of `krate`, with where it is first seen.
pub(crate) fn dependencies(krate: &Crate) -> BTreeMap<(ModuleId, ModuleId), Evidence> {
    let names = Names {
        krate,
        known: RefCell::new(HashMap::new()),
    };
    let mut edges = BTreeMap::new();
    for (from, module) in krate.modules.iter().enumerate() {
        for reference in &module.references {
            let to = match names.resolve(from, &reference.segments, 0) {
                None => continue,
                Some(Target::Module(_)) if reference.in_code && reference.segments.len() == 1 => {
                    continue;
                }
                Some(target) => target.module(),
            };
            if to != from {
                edges.entry((from, to)).or_insert_with(|| Evidence {
                    by: from,
                    line: reference.line,
                    path: reference.segments.join("::"),
                });
            }
        }
    }
    edges
}

/// How far re-exports and imports are followed before a path counts as unresolved: far beyond
/// any real chain, and a stop for imports that name each other.
const MAX_DEPTH: usize = 32;

/// What a path names.
#[derive(Clone, Copy)]
enum Target {
    /// A module.
    Module(ModuleId),
    /// An item defined in this module.
    Item(ModuleId),
}

impl Target {
    fn module(self) -> ModuleId {
        match self {
            Self::Module(module) | Self::Item(module) => module,
        }
    }
}

/// Names looked up in one crate, each worked out once: re-exports and globs make the same
/// question come back many times, and without the memory the search grows exponentially.
struct Names<'a> {
    krate: &'a Crate,
    known: RefCell<HashMap<(ModuleId, String), Option<Target>>>,
}

impl Names<'_> {
    /// What `segments`, written in module `from`, names.
    fn resolve(&self, from: ModuleId, segments: &[String], depth: usize) -> Option<Target> {
        let krate = self.krate;
        if depth > MAX_DEPTH {
            return None;
        }
        let (first, rest) = segments.split_first()?;
        let mut target = match first.as_str() {
            "crate" => Target::Module(0),
            "self" => Target::Module(from),
            "super" => Target::Module(krate.modules[from].parent?),
            // `Self::...` is a type's own item.
            "Self" => return None,
            name => self.look_up(from, name, depth)?,
        };
        for segment in rest {
            let Target::Module(module) = target else {
                break;
            };
            target = match segment.as_str() {
                "self" => target,
                "super" => Target::Module(krate.modules[module].parent?),
                // A name this reading does not see (made by a macro, say) is an item of the module.
                name => self
                    .look_up(module, name, depth)
                    .unwrap_or(Target::Item(module)),
            };
        }
        Some(target)
    }

    /// What `name` means in `module`: a module declared there, an item defined there, or what an
    /// import (a glob included) there names.
    fn look_up(&self, module: ModuleId, name: &str, depth: usize) -> Option<Target> {
        let key = (module, name.to_owned());
        if let Some(&known) = self.known.borrow().get(&key) {
            return known;
        }
        // Marked unresolved while it is worked out, so imports that name each other stop here.
        self.known.borrow_mut().insert(key.clone(), None);
        let found = self.look_up_uncached(module, name, depth);
        self.known.borrow_mut().insert(key, found);
        found
    }

    fn look_up_uncached(&self, module: ModuleId, name: &str, depth: usize) -> Option<Target> {
        let krate = self.krate;
        let scope = &krate.modules[module];
        if let Some(&child) = scope.children.get(name) {
            return Some(Target::Module(child));
        }
        if scope.items.contains(name) {
            return Some(Target::Item(module));
        }
        let imported = scope
            .imports
            .iter()
            .filter(|(imported, _)| imported == name)
            .find_map(|(_, segments)| self.resolve(module, segments, depth + 1));
        if imported.is_some() {
            return imported;
        }
        scope
            .globs
            .iter()
            .find_map(|glob| match self.resolve(module, glob, depth + 1)? {
                Target::Module(source) if source != module => self.look_up(source, name, depth + 1),
                _ => None,
            })
    }
}
