//! Runs the compile-pass and compile-fail cases of the authx macros.
//!
//! Regenerate the expected `.stderr` files with `TRYBUILD=overwrite cargo test -p
//! authx-ui-tests`, then read every one of them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("*/pass/*.rs");
    t.compile_fail("*/fail/*.rs");
}
