//! The README and the crate docs tell the truth: every `AUTHX_*` variable the code reads is in
//! the README's table, and every kind of `AuthError` is in both error tables with its status
//! and `error_type`.

#[test]
fn every_environment_variable_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    for (name, _) in authx::config::ENV_VARS {
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} is read by AuthConfig::from_env but missing from the README's table"
        );
    }
}

#[test]
fn every_error_is_in_both_error_tables() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let crate_docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../authx/src/lib.rs"))
            .expect("lib.rs");
    for error in authx::AuthError::__every_kind() {
        let row = format!("| {} | `{}`", error.status().as_u16(), error.error_type());
        assert!(
            readme.contains(&row),
            "the README's error table has no row ending `{row}` ({error:?})"
        );
        assert!(
            crate_docs.contains(&row),
            "the crate docs' error table (authx/src/lib.rs) has no row ending `{row}` ({error:?})"
        );
    }
}
