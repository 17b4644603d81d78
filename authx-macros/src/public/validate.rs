//! `#[public(...)]` semantics: the route and rate grammar, `rate_key` only with `rate`.

use crate::ctxt::Ctxt;
use crate::handler::{Common, CommonArgs};
use crate::spec::RateKeyArg;

/// A public route's limits are counted per client IP unless `rate_key` says otherwise.
pub(crate) fn validate(cx: &Ctxt, args: &CommonArgs) -> Common {
    args.validate(cx, RateKeyArg::Ip)
}
