//! `#[public(...)]` arguments as written: only the keys shared with `#[protect]`.

use proc_macro2::TokenStream;

use crate::args;
use crate::attr_names::{self as names, PUBLIC};
use crate::ctxt::Ctxt;
use crate::handler::CommonArgs;

pub(crate) fn parse(cx: &Ctxt, tokens: TokenStream) -> CommonArgs {
    let mut common = CommonArgs::new(PUBLIC);
    for (index, arg) in args::parse(cx, tokens, &[]).iter().enumerate() {
        if common.accept(cx, arg, index) {
            continue;
        }
        let key = &arg.key;
        if names::PROTECT_KEYS.iter().any(|k| *key == *k) {
            cx.error_at(
                key.span(),
                format!(
                    "`{key}` is a `#[protect]` key: a `#[public]` handler is open to everyone and \
                     accepts only {}; to require a token, use `#[protect(...)]` instead",
                    names::list(names::PUBLIC_KEYS)
                ),
            );
        } else {
            args::unknown_key(
                cx,
                PUBLIC,
                key,
                names::PUBLIC_KEYS,
                r#"#[public(route = "GET /health")]"#,
            );
        }
    }
    common
}
