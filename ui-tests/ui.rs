//! Runs the compile-pass and compile-fail cases of the authx macros.
//!
//! `#[protect(action = ...)]` checks its action against the Cedar schema named by
//! `AUTHX_CEDAR_SCHEMA` (trybuild's generated crate has no `[package.metadata.authx]`), and
//! `#[protect(acr = ...)]` its values against those `AUTHX_ACR_VALUES` declares, so the cases
//! run in batches, each with the variables as it needs:
//!
//! - `authz_schema/unnamed/`: no schema named;
//! - `authz_schema/unreadable/`: naming `authz_schema/missing.cedarschema`, which does not exist;
//! - `authz_schema/unparsable/`: naming `authz_schema/unparsable.cedarschema`, not a schema;
//! - `step_up/acr_values/`: acr values declared, `mfa,phr`;
//! - `step_up/malformed_acr_values/`: a declaration that does not parse, `mfa,,phr`;
//! - every `*/pass/` and `*/fail/` case: naming `authz/schema.cedarschema`, no acr values
//!   declared.
//!
//! Regenerate the expected `.stderr` files with `TRYBUILD=overwrite cargo test -p
//! authx-ui-tests`, then read every one of them.

use trybuild::TestCases;

/// Runs `cases` (the `TestCases` runs when dropped) with `AUTHX_CEDAR_SCHEMA` set to `schema`
/// and `AUTHX_ACR_VALUES` to `acr_values`, each unset when `None`.
fn with_env(schema: Option<&str>, acr_values: Option<&str>, cases: impl FnOnce(&TestCases)) {
    for (var, value) in [
        ("AUTHX_CEDAR_SCHEMA", schema),
        ("AUTHX_ACR_VALUES", acr_values),
    ] {
        // SAFETY: `ui` is the only test of this binary, so its thread is the only one reading
        // or writing the environment: trybuild spawns its cargo processes (which inherit a
        // copy of it) only while a `TestCases` drops, and the previous call's has dropped
        // before this one.
        unsafe {
            match value {
                Some(value) => std::env::set_var(var, value),
                None => std::env::remove_var(var),
            }
        }
    }
    let t = TestCases::new();
    cases(&t);
}

#[test]
fn ui() {
    with_env(None, None, |t| t.compile_fail("authz_schema/unnamed/*.rs"));
    // Absolute, so the message names the same path wherever the target directory is.
    with_env(
        Some(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/authz_schema/missing.cedarschema"
        )),
        None,
        |t| t.compile_fail("authz_schema/unreadable/*.rs"),
    );
    with_env(
        Some(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/authz_schema/unparsable.cedarschema"
        )),
        None,
        |t| t.compile_fail("authz_schema/unparsable/*.rs"),
    );
    with_env(None, Some("mfa,phr"), |t| {
        t.pass("step_up/acr_values/pass/*.rs");
        t.compile_fail("step_up/acr_values/fail/*.rs");
    });
    with_env(None, Some("mfa,,phr"), |t| {
        t.compile_fail("step_up/malformed_acr_values/*.rs")
    });
    with_env(
        Some(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/authz/schema.cedarschema"
        )),
        None,
        |t| {
            t.pass("*/pass/*.rs");
            t.compile_fail("*/fail/*.rs");
        },
    );
}
