//! `#[public(...)]` semantics: the route and rate grammar, `rate_key` only with `rate`, and no
//! limit per API key.

use crate::ctxt::Ctxt;
use crate::handler::{Common, CommonArgs};
use crate::spec::{self, RateKeyArg};

/// A public route's limits are counted per client IP unless `rate_key` says otherwise.
pub(crate) fn validate(cx: &Ctxt, args: &CommonArgs) -> Common {
    if let Some(value) = args.rate_key.get()
        && spec::is_api_key_rate_key(value)
    {
        cx.error_spanned_by(
            value,
            "`rate_key = api_key` on a `#[public]` route: a public route takes no credential, \
             so no request brings an API key to count per; count it per `ip` (the default \
             here), or take API keys with e.g. \
             `#[protect(api_key, rate = \"10/60s\", rate_key = api_key)]`",
        );
    }
    args.validate(cx, RateKeyArg::Ip)
}
