//! ARCHITECTURE.md's "knows no" invariants, checked in the sources rather than only stated:
//! every path a module's code names (in `use` items and in expressions and types) is parsed
//! with `syn` and matched against what the module may not know.

use std::path::{Path, PathBuf};

use syn::visit::Visit;

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../authx/src");

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The paths a file names, as `a::b::c` strings (use trees flattened).
#[derive(Default)]
struct Paths(Vec<String>);

impl Visit<'_> for Paths {
    fn visit_path(&mut self, path: &syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.0.push(segments.join("::"));
        syn::visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, item: &syn::ItemUse) {
        fn flatten(prefix: &str, tree: &syn::UseTree, out: &mut Vec<String>) {
            let join = |name: &str| {
                if prefix.is_empty() {
                    name.to_owned()
                } else {
                    format!("{prefix}::{name}")
                }
            };
            match tree {
                syn::UseTree::Path(p) => flatten(&join(&p.ident.to_string()), &p.tree, out),
                syn::UseTree::Name(n) => out.push(join(&n.ident.to_string())),
                syn::UseTree::Rename(r) => out.push(join(&r.ident.to_string())),
                syn::UseTree::Glob(_) => out.push(join("*")),
                syn::UseTree::Group(g) => g.items.iter().for_each(|t| flatten(prefix, t, out)),
            }
        }
        flatten("", &item.tree, &mut self.0);
    }
}

fn paths_of(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut paths = Paths::default();
    paths.visit_file(&ast);
    paths.0
}

/// Fails, naming each file and path, when code under `module` names a forbidden item.
fn forbid(module: &str, forbidden: &[&str], allowed: &[&str], invariant: &str) {
    let mut broken = Vec::new();
    for file in sources(&Path::new(SRC).join(module)) {
        for path in paths_of(&file) {
            let hit = forbidden
                .iter()
                .any(|f| path == *f || path.starts_with(&format!("{f}::")));
            let ok = allowed
                .iter()
                .any(|a| path == *a || path.starts_with(&format!("{a}::")));
            if hit && !ok {
                broken.push(format!("{}: {path}", file.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "ARCHITECTURE.md: {invariant}. Broken by:\n{}",
        broken.join("\n")
    );
}

#[test]
fn token_code_knows_no_http_engine_or_stores() {
    forbid(
        "token",
        &[
            "crate::error",
            "crate::auth",
            "crate::Auth",
            "crate::AuthError",
            "crate::store",
            "crate::extract",
            "crate::layer",
            "crate::guard",
            "crate::cookies",
            "axum",
            "http",
        ],
        &[],
        "token code (keys, issue, verify) knows no HTTP framework, no engine and no store: \
         a pure function of bytes, keys and time",
    );
}

#[test]
fn stores_know_no_requests_and_no_tokens() {
    forbid(
        "store",
        &[
            "crate::token",
            "crate::extract",
            "crate::auth",
            "crate::Auth",
            "crate::layer",
            "crate::guard",
            "crate::Claims",
            "axum",
        ],
        // `store::testing` re-exports the conformance suite, which lives in `testing`.
        &["crate::testing"],
        "stores know no requests and no tokens; the pipeline consults them",
    );
}

#[test]
fn configuration_imports_nothing_from_the_engine() {
    forbid(
        "config",
        &[
            "crate::auth",
            "crate::Auth",
            "crate::guard",
            "crate::extract",
            "crate::layer",
            "crate::error",
            "axum",
        ],
        &[],
        "config/ is plain data, its parsing and its errors: it imports nothing from the engine",
    );
}

#[test]
fn the_spec_crate_depends_on_nothing() {
    let manifest = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../authx-spec/Cargo.toml"
    ))
    .unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap_or("");
    assert!(
        deps.lines()
            .all(|l| l.trim().is_empty() || l.trim().starts_with('#')),
        "authx-spec has dependencies:\n{deps}"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../authx-spec/src");
    let mut foreign = Vec::new();
    for file in sources(&dir) {
        for path in paths_of(&file) {
            let root = path.split("::").next().unwrap_or("");
            let named_crate = [
                "syn",
                "quote",
                "proc_macro2",
                "axum",
                "tokio",
                "http",
                "authx",
            ];
            if named_crate.contains(&root) {
                foreign.push(format!("{}: {path}", file.display()));
            }
        }
    }
    assert!(
        foreign.is_empty(),
        "ARCHITECTURE.md: the spec crate knows no syn, axum or tokio. Broken by:\n{}",
        foreign.join("\n")
    );
}

/// The checks above see what they look for: a path known to be in a file is found.
#[test]
fn the_scanner_sees_use_items_and_paths() {
    let memory = paths_of(&Path::new(SRC).join("store/memory.rs"));
    assert!(
        memory.iter().any(|p| p == "crate::clock::SharedClock"),
        "{memory:?}"
    );
    let pipeline = paths_of(&Path::new(SRC).join("auth/pipeline.rs"));
    assert!(
        pipeline.iter().any(|p| p == "crate::extract::cache"),
        "{pipeline:?}"
    );
    assert!(
        pipeline.iter().any(|p| p == "AuthError::MissingToken"),
        "{pipeline:?}"
    );
}

/// The files under `dir` longer than 400 lines, with their length.
fn over_400_lines(dir: &Path) -> Vec<String> {
    sources(dir)
        .into_iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(&f).unwrap().lines().count();
            (n > 400).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect()
}

/// No file of the runtime grows past 400 lines: a file that does has two concerns.
#[test]
fn no_runtime_file_over_400_lines() {
    let long = over_400_lines(Path::new(SRC));
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}

/// The same rule for the sources of every other crate (the examples crate keeps its sources in
/// `examples/` itself); test suites under `tests/` are not held to it.
#[test]
fn no_source_file_over_400_lines_in_any_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let long: Vec<String> = [
        "authx-spec/src",
        "authx-macros/src",
        "cli/src",
        "xtask/src",
        "bench/src",
        "examples",
    ]
    .iter()
    .flat_map(|dir| over_400_lines(&root.join(dir)))
    .collect();
    assert!(
        long.is_empty(),
        "split these files by concern:\n{}",
        long.join("\n")
    );
}
