//! The guide tells the truth: every `AUTHX_*` variable the code reads is in the configuration
//! page's table, and every kind of `AuthError` is in the one error table (the errors page) with
//! its status and `error_type`.

fn page(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../authx/docs/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("authx/docs/{name}: {e}"))
}

#[test]
fn every_environment_variable_is_in_the_configuration_page() {
    let page = page("configuration.md");
    for (name, _) in authx::config::ENV_VARS {
        assert!(
            page.contains(&format!("`{name}`")),
            "{name} is read by AuthConfig::from_env but missing from authx/docs/configuration.md"
        );
    }
}

#[test]
fn every_error_is_in_the_error_table() {
    let page = page("errors.md");
    for error in authx::AuthError::__every_kind() {
        let row = format!("| {} | `{}`", error.status().as_u16(), error.error_type());
        assert!(
            page.contains(&row),
            "authx/docs/errors.md's table has no row ending `{row}` ({error:?})"
        );
    }
}

/// Every test the resource-server conformance list names exists: `module::test` is a
/// `fn test` in `tests/module.rs`, or (a path under `authx`) in the runtime's sources.
#[test]
fn the_conformance_list_names_real_tests() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let doc = std::fs::read_to_string(format!("{root}/authx/docs/resource-server-conformance.md"))
        .expect("conformance list");
    let runtime: String = walk(&format!("{root}/authx/src"));
    let mut checked = 0;
    for cell in doc.split('`') {
        let Some((module, test)) = cell.rsplit_once("::") else {
            continue;
        };
        if !test
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || !test.contains('_')
        {
            continue;
        }
        let file = format!("{root}/tests/{module}.rs");
        let source = std::fs::read_to_string(&file).unwrap_or_else(|_| runtime.clone());
        assert!(
            source.contains(&format!("fn {test}(")) || source.contains(&format!("fn {test}<")),
            "the conformance list names `{module}::{test}`, which does not exist"
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} tests named");
}

fn walk(dir: &str) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.push_str(&walk(path.to_str().unwrap()));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}
