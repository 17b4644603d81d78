//! The grammar every attribute shares: a comma-separated list of `key` or `key = value`.
//!
//! Parsing never stops at the first mistake: a malformed entry is reported and skipped up to
//! the next top-level comma, so the checks that follow still see every other key. Values are
//! kept as syn nodes (with their spans) and given a kind by the `as_*` functions here.

mod keys;
mod list;
mod value;

pub(crate) use keys::{Slot, later, unknown_key};
pub(crate) use list::{Arg, Value, parse};
pub(crate) use value::{as_ident, as_list, as_lit_bool, as_lit_str, as_path, expr, flag, kind};
