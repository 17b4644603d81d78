//! ARCHITECTURE.md's "knows no" invariants, checked in the sources rather than only stated:
//! every path a module's code names (in `use` items and in expressions and types) is parsed
//! with `syn` and matched against what the module may not know.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

#[path = "architecture/modules.rs"]
mod modules;

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
        &[],
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
        pipeline.iter().any(|p| p == "crate::request::cache"),
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

/// Which top-level module of `authx/src` may name which: the one allow-list, bottom to top.
/// ARCHITECTURE.md holds the same table (between its `modules:begin`/`modules:end` markers);
/// a module's code naming one outside its row fails `the_module_graph_keeps_to_the_allow_list`.
const ALLOWED: &[(&str, &[&str])] = &[
    ("clock", &[]),
    ("wire", &[]),
    ("cache_size", &[]),
    ("crypto", &[]),
    ("guide", &[]),
    ("config", &["wire"]),
    (
        "token",
        &["cache_size", "clock", "config", "crypto", "wire"],
    ),
    ("store", &["cache_size", "clock", "config"]),
    ("metrics", &["store"]),
    ("api_key", &["crypto", "store"]),
    ("error", &["clock", "config", "store", "token"]),
    ("rate", &["clock", "error", "store"]),
    ("cookies", &["config", "crypto", "error", "token"]),
    ("request", &["config", "cookies", "error", "token"]),
    ("dpop", &["config", "crypto", "error", "token"]),
    ("guard", &["config", "token"]),
    ("registry", &["guard"]),
    ("subject", &["error", "token"]),
    ("authz", &["error", "metrics", "store", "token"]),
    (
        "jwks",
        &["cache_size", "config", "error", "metrics", "token", "wire"],
    ),
    (
        "auth",
        &[
            "api_key",
            "authz",
            "cache_size",
            "clock",
            "config",
            "cookies",
            "dpop",
            "error",
            "guard",
            "jwks",
            "metrics",
            "rate",
            "registry",
            "request",
            "store",
            "subject",
            "token",
        ],
    ),
    ("extract", &["auth", "error", "guard", "request", "token"]),
    (
        "oauth",
        &[
            "auth", "clock", "config", "crypto", "error", "extract", "rate", "registry", "token",
        ],
    ),
    (
        "layer",
        &[
            "auth", "config", "cookies", "error", "extract", "guard", "rate", "request", "subject",
            "token",
        ],
    ),
    ("ws", &["auth", "error", "token"]),
    ("openapi", &["config", "guard", "registry", "token"]),
    (
        "vault",
        &["clock", "config", "cookies", "error", "store", "wire"],
    ),
    (
        "mfa",
        &[
            "auth", "clock", "config", "cookies", "crypto", "error", "extract", "registry",
            "token", "vault",
        ],
    ),
    (
        "testing",
        &[
            "auth", "authz", "clock", "config", "error", "extract", "guard", "registry", "store",
            "token",
        ],
    ),
    (
        "__private",
        &[
            "auth", "authz", "config", "error", "extract", "guard", "rate", "registry", "subject",
            "token",
        ],
    ),
];

fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    ALLOWED
        .iter()
        .map(|(m, uses)| (m.to_string(), uses.iter().map(|u| u.to_string()).collect()))
        .collect()
}

/// Every top-level module has a row, and the rows form no cycle: read bottom to top, each
/// module names only modules above it in the table.
#[test]
fn the_allow_list_covers_every_module_and_has_no_cycle() {
    let modules = modules::top_level(Path::new(SRC));
    let table = allowed();
    let rows: BTreeSet<String> = table.keys().cloned().collect();
    assert_eq!(rows, modules, "one row per top-level module of authx/src");
    for (i, (module, uses)) in ALLOWED.iter().enumerate() {
        for used in *uses {
            let at = ALLOWED.iter().position(|(m, _)| m == used);
            assert!(
                at.is_some_and(|at| at < i),
                "{module} may use {used}, which is not listed before it: the table is not a DAG"
            );
        }
    }
    assert!(modules::cycles(&table).is_empty());
}

/// The modules' code keeps to the allow-list: every `crate::`, `super::` and root re-export
/// path, in code and in macro bodies, resolved to the module it lands in.
#[test]
fn the_module_graph_keeps_to_the_allow_list() {
    let table = allowed();
    let mut broken = Vec::new();
    for (from, uses) in modules::graph(Path::new(SRC)) {
        for (to, at) in uses {
            if !table.get(&from).is_some_and(|ok| ok.contains(&to)) {
                broken.push(format!("{from} -> {to} ({at})"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "edges outside the allow-list (ARCHITECTURE.md, module table):\n{}",
        broken.join("\n")
    );
}

/// ARCHITECTURE.md's module table says what `ALLOWED` says, row for row.
#[test]
fn architecture_md_holds_the_same_module_table() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../ARCHITECTURE.md"))
        .unwrap();
    let table = text
        .split("<!-- modules:begin -->")
        .nth(1)
        .and_then(|t| t.split("<!-- modules:end -->").next())
        .expect("ARCHITECTURE.md has a module table between modules:begin and modules:end");
    let rows: Vec<(String, Vec<String>)> = table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let names = |cell: &str| -> Vec<String> {
                cell.split(',')
                    .map(|n| n.trim().trim_matches('`').to_owned())
                    .filter(|n| !n.is_empty() && n != "—")
                    .collect()
            };
            (
                names(cells[0]).remove(0),
                names(cells.get(1).copied().unwrap_or("")),
            )
        })
        .collect();
    let expected: Vec<(String, Vec<String>)> = ALLOWED
        .iter()
        .map(|(m, uses)| (m.to_string(), uses.iter().map(|u| u.to_string()).collect()))
        .collect();
    assert_eq!(
        rows, expected,
        "ARCHITECTURE.md's module table differs from ALLOWED"
    );
}

/// The scanner resolves what a plain path scan misses: `super::` paths, names the crate root
/// re-exports, and paths inside macro bodies.
#[test]
fn the_module_scanner_resolves_super_reexports_and_macro_bodies() {
    let dir = std::env::temp_dir().join(format!("authx-arch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::write(
        dir.join("lib.rs"),
        "mod a; mod b; mod c; mod d; pub use d::Thing;",
    )
    .unwrap();
    std::fs::write(
        dir.join("a/mod.rs"),
        "mod inner; fn f() { let _ = super::b::x(); }",
    )
    .unwrap();
    std::fs::write(dir.join("a/inner.rs"), "fn g(_: crate::Thing) {}").unwrap();
    std::fs::write(
        dir.join("b/mod.rs"),
        "macro_rules! m { () => { $crate::c::y() }; }",
    )
    .unwrap();
    std::fs::write(dir.join("c.rs"), "fn y() { }").unwrap();
    std::fs::write(
        dir.join("d.rs"),
        "pub struct Thing; #[cfg(test)] mod tests { use crate::a::*; }",
    )
    .unwrap();
    let graph = modules::graph(&dir);
    let edges: BTreeSet<(String, String)> = graph
        .iter()
        .flat_map(|(f, t)| t.keys().map(move |t| (f.clone(), t.clone())))
        .collect();
    let expect: BTreeSet<(String, String)> = [("a", "b"), ("a", "d"), ("b", "c")]
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(edges, expect);
}

/// `Auth` is the engine (construction, configuration, the clock, request-level verification):
/// everything else lives on its borrowed handles (`auth.tokens()`, `auth.sessions()`, ...). At
/// most 25 `pub` methods in all the `impl Auth` blocks of the crate, feature-gated ones included.
#[test]
fn auth_keeps_at_most_25_public_methods() {
    #[derive(Default)]
    struct PubMethods(Vec<String>);
    impl Visit<'_> for PubMethods {
        fn visit_item_impl(&mut self, item: &syn::ItemImpl) {
            let is_auth = matches!(&*item.self_ty, syn::Type::Path(p)
                if p.qself.is_none() && p.path.is_ident("Auth"));
            if is_auth && item.trait_.is_none() {
                for member in &item.items {
                    if let syn::ImplItem::Fn(f) = member
                        && matches!(f.vis, syn::Visibility::Public(_))
                    {
                        self.0.push(f.sig.ident.to_string());
                    }
                }
            }
            syn::visit::visit_item_impl(self, item);
        }
    }
    let mut methods = PubMethods::default();
    for file in sources(Path::new(SRC)) {
        let text = std::fs::read_to_string(&file).unwrap();
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        methods.visit_file(&ast);
    }
    let mut names = methods.0;
    names.sort();
    assert!(
        names.iter().any(|n| n == "new") && names.iter().any(|n| n == "tokens"),
        "the scan found no `impl Auth`: {names:?}"
    );
    assert!(
        names.len() <= 25,
        "`Auth` has {} public methods (at most 25): move the ones that are not construction, \
         configuration or request verification to a handle (authx/src/auth/handles/): {names:?}",
        names.len()
    );
}

/// The one verification path: each step of a credential check (signature and claims, CSRF,
/// the DPoP proof and binding, liveness, the allowlist, "live and within rate") is called from
/// `auth/verification/run.rs` alone. A door that calls a step itself is the bug this prevents: a
/// check composed by hand, in its own order, missing one.
#[test]
fn each_verification_step_is_called_from_one_place() {
    const STEPS: &[&str] = &[
        "verify_token",
        "check_csrf_value",
        "check_binding",
        "request_proof",
        "record_proof",
        "ensure_claims_not_revoked",
        "ensure_not_retired",
        "ensure_allowed",
        "live_and_counted",
    ];
    #[derive(Default)]
    struct Calls(Vec<String>);
    impl Visit<'_> for Calls {
        fn visit_expr_method_call(&mut self, call: &syn::ExprMethodCall) {
            self.0.push(call.method.to_string());
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_expr_call(&mut self, call: &syn::ExprCall) {
            if let syn::Expr::Path(p) = &*call.func
                && let Some(last) = p.path.segments.last()
            {
                self.0.push(last.ident.to_string());
            }
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_item_mod(&mut self, item: &syn::ItemMod) {
            // Unit tests may call a step directly.
            let test = item.attrs.iter().any(|a| {
                a.path().is_ident("cfg")
                    && a.meta
                        .require_list()
                        .is_ok_and(|l| l.tokens.to_string() == "test")
            });
            if !test {
                syn::visit::visit_item_mod(self, item);
            }
        }
    }
    let mut callers: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for file in sources(Path::new(SRC)) {
        if file.to_string_lossy().ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let mut calls = Calls::default();
        calls.visit_file(&syn::parse_file(&text).unwrap());
        let rel = file.strip_prefix(SRC).unwrap().display().to_string();
        for name in calls.0 {
            if let Some(step) = STEPS.iter().find(|s| **s == name) {
                callers.entry(step).or_default().insert(rel.clone());
            }
        }
    }
    for step in STEPS {
        let at = callers.get(step).cloned().unwrap_or_default();
        assert_eq!(
            at.into_iter().collect::<Vec<_>>(),
            ["auth/verification/run.rs"],
            "`{step}` must be called from the one verification path only"
        );
    }
}
