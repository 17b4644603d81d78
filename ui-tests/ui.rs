//! Runs the compile-pass and compile-fail cases of the authx macros.
//!
//! `#[protect(action = ...)]` checks its action against the Cedar schema named by
//! `AUTHX_CEDAR_SCHEMA` (trybuild's generated crate has no `[package.metadata.authx]`), so the
//! cases run in four batches, each with the variable as it needs:
//!
//! - `authz_schema/unnamed/`: unset, no schema named;
//! - `authz_schema/unreadable/`: naming `authz_schema/missing.cedarschema`, which does not exist;
//! - `authz_schema/unparsable/`: naming `authz_schema/unparsable.cedarschema`, not a schema;
//! - every `*/pass/` and `*/fail/` case: naming `authz/schema.cedarschema`.
//!
//! Regenerate the expected `.stderr` files with `TRYBUILD=overwrite cargo test -p
//! authx-ui-tests`, then read every one of them.

use trybuild::TestCases;

/// Runs `cases` (the `TestCases` runs when dropped) with `AUTHX_CEDAR_SCHEMA` set to `schema`,
/// or unset.
fn with_schema(schema: Option<&str>, cases: impl FnOnce(&TestCases)) {
    const VAR: &str = "AUTHX_CEDAR_SCHEMA";
    // SAFETY: `ui` is the only test of this binary, so its thread is the only one reading or
    // writing the environment: trybuild spawns its cargo processes (which inherit a copy of
    // it) only while a `TestCases` drops, and the previous call's has dropped before this one.
    unsafe {
        match schema {
            Some(path) => std::env::set_var(VAR, path),
            None => std::env::remove_var(VAR),
        }
    }
    let t = TestCases::new();
    cases(&t);
}

#[test]
fn ui() {
    with_schema(None, |t| t.compile_fail("authz_schema/unnamed/*.rs"));
    // Absolute, so the message names the same path wherever the target directory is.
    with_schema(
        Some(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/authz_schema/missing.cedarschema"
        )),
        |t| t.compile_fail("authz_schema/unreadable/*.rs"),
    );
    with_schema(
        Some(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/authz_schema/unparsable.cedarschema"
        )),
        |t| t.compile_fail("authz_schema/unparsable/*.rs"),
    );
    with_schema(
        Some(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/authz/schema.cedarschema"
        )),
        |t| {
            t.pass("*/pass/*.rs");
            t.compile_fail("*/fail/*.rs");
        },
    );
}
