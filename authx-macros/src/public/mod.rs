//! `#[public(...)]`: parse the arguments, validate them, and either expand the marked handler
//! or report every error next to the unchanged fn.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use crate::attr_names::PUBLIC;
use crate::ctxt::Ctxt;
use crate::handler::check;
use crate::handler::expand::fallback;

pub(crate) fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = parse::parse(&cx, args);
    let common = validate::validate(&cx, &args);
    let Some(f) = check::parse_fn(&cx, PUBLIC, item.clone()) else {
        return check::not_a_fn(cx, item);
    };
    let shape = check::check_fn(&cx, PUBLIC, &common.krate, &f);
    match cx.check() {
        Ok(()) => expand::expand(f, &common),
        Err(errors) => fallback(
            errors,
            &common.krate,
            &f,
            !shape.has_sibling && !shape.has_receiver,
            common.route.as_ref(),
        ),
    }
}
