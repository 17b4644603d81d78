//! Compile-pass and compile-fail cases of the authx macros, run by `ui.rs`.
