//! A crate read into its modules: for each module, its file, the names it defines and imports,
//! and the paths its code refers to, each with its line.
//!
//! A file is a module, and so is each inline `mod name { ... }` block. Test-only code is left
//! out: a module or any other item under `#[cfg(test)]` (or `all(test, ...)`) is neither a module
//! nor a source of references, since tests use the code around them by design.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Attribute, Item, ItemUse, Meta, UseTree, Visibility};

/// Index of a module in [`Crate::modules`].
pub(crate) type ModuleId = usize;

/// Every module of one crate; the root module is the first.
pub(crate) struct Crate {
    pub(crate) modules: Vec<Module>,
}

/// One module and what its code names.
pub(crate) struct Module {
    /// Its names below the crate root (empty for the root).
    pub(crate) path: Vec<String>,
    /// The file its items are written in.
    pub(crate) file: PathBuf,
    /// The module it is declared in (`None` for the root).
    pub(crate) parent: Option<ModuleId>,
    /// The modules declared in it, by name.
    pub(crate) children: BTreeMap<String, ModuleId>,
    /// The names of the items it defines (types, functions, constants, traits, macros).
    pub(crate) items: BTreeSet<String>,
    /// The names its `use` items bring in, each with the path it names, re-exports included.
    pub(crate) imports: Vec<(String, Vec<String>)>,
    /// The modules its glob imports (`use path::*`) read, as written.
    pub(crate) globs: Vec<Vec<String>>,
    /// The paths its code refers to: its `use` items that are not re-exports, every path in
    /// its types, expressions and patterns, and those of two or more segments in macro
    /// arguments.
    pub(crate) references: Vec<Reference>,
}

/// One path a module's code refers to.
pub(crate) struct Reference {
    /// The path's segments as written (`super`, `crate` and `self` included).
    pub(crate) segments: Vec<String>,
    /// The line it is written on.
    pub(crate) line: usize,
    /// Written in code rather than in a `use` item: there a single name that reads as a module
    /// is a local variable, since a module alone is no value or type.
    pub(crate) in_code: bool,
}

impl Module {
    /// `crate`, `crate::reports::directory`, ...
    pub(crate) fn name(&self) -> String {
        std::iter::once("crate")
            .chain(self.path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("::")
    }
}

impl Crate {
    /// Reads the crate whose root file is `root` (`src/lib.rs`, `src/main.rs`, ...), following
    /// every `mod name;` to its file.
    pub(crate) fn read(root: &Path) -> Self {
        let mut krate = Self {
            modules: Vec::new(),
        };
        let directory = root.parent().unwrap_or(Path::new("")).to_path_buf();
        let items = parse(root).items;
        krate.add_module(Vec::new(), root, directory, None, &items);
        krate
    }

    /// Adds the module `path`, written in `file` with `items`, whose `mod name;` files are
    /// looked for in `directory`; returns its index.
    fn add_module(
        &mut self,
        path: Vec<String>,
        file: &Path,
        directory: PathBuf,
        parent: Option<ModuleId>,
        items: &[Item],
    ) -> ModuleId {
        let id = self.modules.len();
        self.modules.push(Module {
            path,
            file: file.to_path_buf(),
            parent,
            children: BTreeMap::new(),
            items: BTreeSet::new(),
            imports: Vec::new(),
            globs: Vec::new(),
            references: Vec::new(),
        });
        for item in items {
            if is_test_only(item_attributes(item)) {
                continue;
            }
            match item {
                Item::Mod(declared) => {
                    let name = declared.ident.to_string();
                    let mut child_path = self.modules[id].path.clone();
                    child_path.push(name.clone());
                    let child = match &declared.content {
                        Some((_, items)) => {
                            let directory = directory.join(&name);
                            self.add_module(child_path, file, directory, Some(id), items)
                        }
                        None => {
                            let (child_file, child_directory) =
                                module_file(file, &directory, &name, &declared.attrs);
                            let items = parse(&child_file).items;
                            let parent = Some(id);
                            self.add_module(
                                child_path,
                                &child_file,
                                child_directory,
                                parent,
                                &items,
                            )
                        }
                    };
                    self.modules[id].children.insert(name, child);
                }
                Item::Use(used) => read_use(&mut self.modules[id], used),
                item => {
                    if let Some(name) = item_name(item) {
                        self.modules[id].items.insert(name);
                    }
                    References {
                        module: &mut self.modules[id],
                    }
                    .visit_item(item);
                }
            }
        }
        id
    }
}

/// The file of `mod name;` declared in `file`, and the directory of that module's own `mod`
/// files: `#[path]` when given, else `name.rs` or `name/mod.rs` in `directory`.
fn module_file(
    file: &Path,
    directory: &Path,
    name: &str,
    attributes: &[Attribute],
) -> (PathBuf, PathBuf) {
    let written = attributes
        .iter()
        .find_map(|attribute| match &attribute.meta {
            Meta::NameValue(pair) if pair.path.is_ident("path") => match &pair.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        });
    let child = match written {
        Some(written) => file.parent().unwrap_or(Path::new("")).join(written),
        None => {
            let flat = directory.join(format!("{name}.rs"));
            if flat.is_file() {
                flat
            } else {
                directory.join(name).join("mod.rs")
            }
        }
    };
    let child_directory = if child.ends_with("mod.rs") {
        child.parent().unwrap_or(Path::new("")).to_path_buf()
    } else {
        child.with_extension("")
    };
    (child, child_directory)
}

fn parse(file: &Path) -> syn::File {
    let text = fs::read_to_string(file)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
    syn::parse_file(&text)
        .unwrap_or_else(|error| panic!("cannot parse {}: {error}", file.display()))
}

/// Records a `use` item: the names it brings in, and (unless it re-exports) the paths it uses.
fn read_use(module: &mut Module, used: &ItemUse) {
    if used.leading_colon.is_some() {
        // `use ::name::...` always names another crate.
        return;
    }
    // Any visibility re-exports: `pub(crate) use` serves other modules, not this one.
    let reexport = !matches!(used.vis, Visibility::Inherited);
    read_use_tree(module, &used.tree, &mut Vec::new(), reexport);
}

fn read_use_tree(module: &mut Module, tree: &UseTree, prefix: &mut Vec<String>, reexport: bool) {
    let (imported, name, span) = match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            read_use_tree(module, &path.tree, prefix, reexport);
            prefix.pop();
            return;
        }
        UseTree::Group(group) => {
            for tree in &group.items {
                read_use_tree(module, tree, prefix, reexport);
            }
            return;
        }
        UseTree::Glob(glob) => {
            module.globs.push(prefix.clone());
            if !reexport {
                let line = line_of(glob.star_token.spans[0]);
                module.references.push(Reference {
                    segments: prefix.clone(),
                    line,
                    in_code: false,
                });
            }
            return;
        }
        UseTree::Name(name) => (&name.ident, &name.ident, name.ident.span()),
        UseTree::Rename(rename) => (&rename.ident, &rename.rename, rename.ident.span()),
    };
    // `use a::b::{self}` imports `b` itself.
    let mut segments = prefix.clone();
    if imported != "self" {
        segments.push(imported.to_string());
    }
    let name = if name == "self" {
        segments.last().cloned().unwrap_or_default()
    } else {
        name.to_string()
    };
    if name != "_" {
        module.imports.push((name, segments.clone()));
    }
    if !reexport {
        module.references.push(Reference {
            segments,
            line: line_of(span),
            in_code: false,
        });
    }
}

/// Collects the paths in one item's code into its module.
struct References<'a> {
    module: &'a mut Module,
}

impl<'ast> Visit<'ast> for References<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        if is_test_only(item_attributes(item)) {
            return;
        }
        match item {
            // A `use` inside a function serves that function's module.
            Item::Use(used) => read_use(self.module, used),
            // A module inside a function is too rare here to be worth a node of its own.
            Item::Mod(_) => {}
            item => visit::visit_item(self, item),
        }
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attributes = match item {
            syn::ImplItem::Const(item) => &item.attrs,
            syn::ImplItem::Fn(item) => &item.attrs,
            syn::ImplItem::Type(item) => &item.attrs,
            syn::ImplItem::Macro(item) => &item.attrs,
            _ => return visit::visit_impl_item(self, item),
        };
        if !is_test_only(attributes) {
            visit::visit_impl_item(self, item);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if let (None, Some(first)) = (&path.leading_colon, path.segments.first()) {
            self.module.references.push(Reference {
                segments: path
                    .segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect(),
                line: line_of(first.ident.span()),
                in_code: true,
            });
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.visit_tokens(mac.tokens.clone());
    }

    // Attributes (derives, docs, lints) and `pub(in path)` name no item the code uses.
    fn visit_attribute(&mut self, _: &'ast Attribute) {}

    fn visit_visibility(&mut self, _: &'ast Visibility) {}
}

impl References<'_> {
    /// The paths of two or more segments in a macro's arguments, which syn leaves as tokens.
    fn visit_tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut at = 0;
        while let Some(token) = tokens.get(at) {
            at += 1;
            let first = match token {
                TokenTree::Group(group) => {
                    self.visit_tokens(group.stream());
                    continue;
                }
                TokenTree::Ident(first) => first,
                _ => continue,
            };
            let mut segments = vec![first.to_string()];
            while let (
                Some(TokenTree::Punct(a)),
                Some(TokenTree::Punct(b)),
                Some(TokenTree::Ident(next)),
            ) = (tokens.get(at), tokens.get(at + 1), tokens.get(at + 2))
            {
                if a.as_char() != ':' || b.as_char() != ':' {
                    break;
                }
                segments.push(next.to_string());
                at += 3;
            }
            // A single name in a macro's arguments is as often a format argument or a field.
            if segments.len() >= 2 {
                self.module.references.push(Reference {
                    segments,
                    line: line_of(first.span()),
                    in_code: true,
                });
            }
        }
    }
}

fn line_of(span: Span) -> usize {
    span.start().line
}

/// Whether `attributes` hold `#[cfg(test)]`, or a `cfg` that needs `test` among others.
fn is_test_only(attributes: &[Attribute]) -> bool {
    attributes.iter().any(|attribute| match &attribute.meta {
        Meta::List(list) if list.path.is_ident("cfg") => list
            .parse_args::<Meta>()
            .is_ok_and(|predicate| needs_test(&predicate)),
        _ => false,
    })
}

/// Whether the `cfg` predicate holds only when compiling tests: `test`, or `all(.., test, ..)`.
fn needs_test(predicate: &Meta) -> bool {
    match predicate {
        Meta::Path(path) => path.is_ident("test"),
        Meta::List(list) if list.path.is_ident("all") => list
            .parse_args_with(syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated)
            .is_ok_and(|all| all.iter().any(needs_test)),
        _ => false,
    }
}

fn item_attributes(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(item) => &item.attrs,
        Item::Enum(item) => &item.attrs,
        Item::ExternCrate(item) => &item.attrs,
        Item::Fn(item) => &item.attrs,
        Item::ForeignMod(item) => &item.attrs,
        Item::Impl(item) => &item.attrs,
        Item::Macro(item) => &item.attrs,
        Item::Mod(item) => &item.attrs,
        Item::Static(item) => &item.attrs,
        Item::Struct(item) => &item.attrs,
        Item::Trait(item) => &item.attrs,
        Item::TraitAlias(item) => &item.attrs,
        Item::Type(item) => &item.attrs,
        Item::Union(item) => &item.attrs,
        Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

/// The name an item defines in its module, if any.
fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Const(item) => &item.ident,
        Item::Enum(item) => &item.ident,
        Item::ExternCrate(item) => item.rename.as_ref().map_or(&item.ident, |(_, name)| name),
        Item::Fn(item) => &item.sig.ident,
        Item::Macro(item) => item.ident.as_ref()?,
        Item::Static(item) => &item.ident,
        Item::Struct(item) => &item.ident,
        Item::Trait(item) => &item.ident,
        Item::TraitAlias(item) => &item.ident,
        Item::Type(item) => &item.ident,
        Item::Union(item) => &item.ident,
        _ => return None,
    };
    Some(ident.to_string())
}
