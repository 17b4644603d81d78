//! The top-level module graph of `authx/src`: which module's code names which other module.
//!
//! Every path a file names is resolved to the top-level module it lands in: `crate::x::..`,
//! `super::..` and `self::..` (relative to the file's and its inline modules' place), names the
//! crate root re-exports (`crate::AuthError` is `error`), and the same paths inside macro bodies
//! (`$crate::..` too), where syn sees only tokens. Test modules (`*tests.rs`, `#[cfg(test)]`) are
//! left out: tests may reach anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// module → the modules it names, with one example place per edge.
pub type Graph = BTreeMap<String, BTreeMap<String, String>>;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's module path: `auth/pipeline.rs` is `[auth, pipeline]`, `auth/mod.rs` is `[auth]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    if parts.first().is_some_and(|p| p == "macro_support") {
        parts[0] = "__private".into();
    }
    parts
}

/// The top-level modules: one per directory or file beside `lib.rs`.
pub fn top_level(src: &Path) -> BTreeSet<String> {
    let mut all = Vec::new();
    files(src, &mut all);
    all.iter()
        .filter_map(|f| module_path(src, f).first().cloned())
        .collect()
}

/// The crate root's `pub use module::..::Name` items, as name → module.
fn root_reexports(src: &Path, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let ast = syn::parse_file(&std::fs::read_to_string(src.join("lib.rs")).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    fn walk(
        first: Option<&str>,
        tree: &syn::UseTree,
        modules: &BTreeSet<String>,
        out: &mut BTreeMap<String, String>,
    ) {
        match tree {
            syn::UseTree::Path(p) => {
                let name = p.ident.to_string();
                walk(Some(first.unwrap_or(&name)), &p.tree, modules, out)
            }
            syn::UseTree::Name(n) => {
                if let Some(m) = first.filter(|m| modules.contains(*m)) {
                    out.insert(n.ident.to_string(), m.to_owned());
                }
            }
            syn::UseTree::Rename(r) => {
                if let Some(m) = first.filter(|m| modules.contains(*m)) {
                    out.insert(r.rename.to_string(), m.to_owned());
                }
            }
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| walk(first, t, modules, out)),
            syn::UseTree::Glob(_) => {}
        }
    }
    for item in ast.items {
        if let syn::Item::Use(u) = item {
            walk(None, &u.tree, modules, &mut out);
        }
    }
    out
}

struct Scan<'a> {
    modules: &'a BTreeSet<String>,
    reexports: &'a BTreeMap<String, String>,
    /// The module the code being visited sits in (the file's path, then inline modules).
    here: Vec<String>,
    /// Resolved top-level modules named, with the path as written.
    named: Vec<(String, String)>,
}

impl Scan<'_> {
    /// Resolves a path's segments to the top-level module it lands in, if it is this crate's.
    fn resolve(&mut self, segments: &[String]) {
        let Some(first) = segments.first() else {
            return;
        };
        let (base, rest): (Vec<String>, &[String]) = match first.as_str() {
            "crate" | "$crate" => (Vec::new(), &segments[1..]),
            "self" => (self.here.clone(), &segments[1..]),
            "super" => {
                let mut base = self.here.clone();
                let mut i = 0;
                while segments.get(i).is_some_and(|s| s == "super") {
                    base.pop();
                    i += 1;
                }
                (base, &segments[i..])
            }
            _ => return,
        };
        let top = match base.first() {
            Some(top) => Some(top.clone()),
            None => rest.first().and_then(|name| {
                if self.modules.contains(name) {
                    Some(name.clone())
                } else {
                    self.reexports.get(name).cloned()
                }
            }),
        };
        if let Some(top) = top {
            self.named.push((top, segments.join("::")));
        }
    }

    /// Paths inside a macro body: `crate`/`$crate`/`self`/`super` followed by `::` segments.
    fn tokens(&mut self, stream: TokenStream) {
        let trees: Vec<TokenTree> = stream.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            match &trees[i] {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Ident(id) => {
                    let dollar =
                        i > 0 && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '$');
                    let name = id.to_string();
                    if matches!(name.as_str(), "crate" | "self" | "super") {
                        let mut segments = vec![if dollar && name == "crate" {
                            "$crate".to_owned()
                        } else {
                            name
                        }];
                        let mut j = i + 1;
                        while let (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) =
                            (trees.get(j), trees.get(j + 1))
                        {
                            if a.as_char() != ':' || b.as_char() != ':' {
                                break;
                            }
                            match trees.get(j + 2) {
                                Some(TokenTree::Ident(next)) => segments.push(next.to_string()),
                                _ => break,
                            }
                            j += 3;
                        }
                        self.resolve(&segments);
                        i = j;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta
                .require_list()
                .is_ok_and(|l| l.tokens.to_string().trim() == "test")
    })
}

impl Visit<'_> for Scan<'_> {
    fn visit_path(&mut self, path: &syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolve(&segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, item: &syn::ItemUse) {
        fn flatten(prefix: &[String], tree: &syn::UseTree, out: &mut Vec<Vec<String>>) {
            let with = |name: String| {
                let mut v = prefix.to_vec();
                v.push(name);
                v
            };
            match tree {
                syn::UseTree::Path(p) => flatten(&with(p.ident.to_string()), &p.tree, out),
                syn::UseTree::Name(n) => out.push(with(n.ident.to_string())),
                syn::UseTree::Rename(r) => out.push(with(r.ident.to_string())),
                syn::UseTree::Glob(_) => out.push(prefix.to_vec()),
                syn::UseTree::Group(g) => g.items.iter().for_each(|t| flatten(prefix, t, out)),
            }
        }
        let mut paths = Vec::new();
        flatten(&[], &item.tree, &mut paths);
        for p in paths {
            self.resolve(&p);
        }
    }

    fn visit_item_mod(&mut self, item: &syn::ItemMod) {
        if is_cfg_test(&item.attrs) {
            return;
        }
        if item.content.is_some() {
            self.here.push(item.ident.to_string());
            syn::visit::visit_item_mod(self, item);
            self.here.pop();
        }
    }

    fn visit_item_fn(&mut self, item: &syn::ItemFn) {
        if !is_cfg_test(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_macro(&mut self, mac: &syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }

    fn visit_item_macro(&mut self, item: &syn::ItemMacro) {
        self.tokens(item.mac.tokens.clone());
        syn::visit::visit_item_macro(self, item);
    }
}

/// Scans `src` (a crate's `src/`), returning the edges between its top-level modules.
pub fn graph(src: &Path) -> Graph {
    let modules = top_level(src);
    let reexports = root_reexports(src, &modules);
    let mut all = Vec::new();
    files(src, &mut all);
    all.sort();
    let mut graph = Graph::new();
    for file in all {
        let name = file.file_name().unwrap().to_string_lossy();
        let here = module_path(src, &file);
        if here.is_empty() || name.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut scan = Scan {
            modules: &modules,
            reexports: &reexports,
            here: here.clone(),
            named: Vec::new(),
        };
        scan.visit_file(&ast);
        let from = graph.entry(here[0].clone()).or_default();
        for (to, written) in scan.named {
            if to != here[0] {
                let rel = file.strip_prefix(src).unwrap().display().to_string();
                from.entry(to).or_insert(format!("{rel}: {written}"));
            }
        }
    }
    graph
}

/// The cycles of a graph: its strongly connected components of more than one module.
pub fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    let nodes: BTreeSet<&String> = edges.keys().chain(edges.values().flatten()).collect();
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for m in edges.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut out: Vec<BTreeSet<String>> = Vec::new();
    for n in &nodes {
        if out.iter().any(|c| c.contains(*n)) {
            continue;
        }
        let component: BTreeSet<String> = nodes
            .iter()
            .filter(|m| reaches[*n].contains(**m) && reaches[*m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        if component.len() > 1 {
            out.push(component);
        }
    }
    out
}
