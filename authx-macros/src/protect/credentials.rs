//! `#[protect]`'s credentials: `api_key` or `credentials = "..."`, and what a route that takes
//! API keys cannot also require.
//!
//! The rule of each conflict is worded as in `RulesBuilder::check_credentials`
//! (`authx/src/guard/rules_builder.rs`), which refuses the same rules written by hand: keep the
//! two the same. The attribute's message adds how to fix it.

use authx_spec::CredentialKinds;

use super::parse::ProtectArgs;
use crate::args::{self, Slot};
use crate::attr_names::{self as names, Name};
use crate::ctxt::Ctxt;
use crate::spec;

/// Bearer tokens only: the default.
const BEARER: CredentialKinds = CredentialKinds {
    bearer: true,
    api_key: false,
};
/// API keys only: `#[protect(api_key)]`.
const API_KEY: CredentialKinds = CredentialKinds {
    bearer: false,
    api_key: true,
};

const REFRESH_RULE: &str = "`refresh` with API keys: an API key is never a refresh token, so no \
                            API key can pass this route";
const FRESH_RULE: &str = "`fresh` with API keys: an API key is never fresh (only a login issues \
                          fresh tokens), so no API key can pass this route";
const DPOP_RULE: &str = "`dpop` with API keys: an API key is not bound to a DPoP key, so no API \
                         key can pass this route";
const STEP_UP_RULE: &str = "step-up (`max_age`, `acr`, `amr`) with API keys: an API key carries \
                            no login time, no `acr` and no `amr`, so no API key can pass this \
                            route";
const LOCATIONS_RULE: &str = "`locations` with only API keys: token locations say where to find \
                              a bearer token, and this route takes only API keys (found where \
                              `AuthConfig::api_keys` says)";
const RATE_KEY_RULE: &str = "`rate_key = api_key` on a route that takes no API keys: the limit \
                             is counted per API key, and no request here brings one";
// Not expressible with `RulesBuilder`, hence checked here only.
const VERIFY_TYPE_RULE: &str = "`verify_type` with only API keys: the token type (access or \
                                refresh) is a bearer token's, and this route takes only API keys";
const CSRF_RULE: &str = "`csrf` with only API keys: the CSRF check guards bearer tokens sent in \
                         cookies, and an API key never comes in a cookie";

/// The kinds of credential the route takes (bearer tokens by default), after reporting a
/// malformed `credentials` string, `api_key` with `credentials`, and every key the kinds
/// conflict with.
pub(crate) fn validate(cx: &Ctxt, args: &ProtectArgs) -> CredentialKinds {
    let parsed = args
        .credentials
        .get()
        .and_then(|lit| spec::credentials(cx, lit));
    if let Some(key) = args::later(&args.api_key, &args.credentials) {
        cx.error_at(
            key.span(),
            "`api_key` and `credentials` together: `api_key` is short for \
             `credentials = \"api_key\"`; use one of them: `api_key` for a route that takes only \
             API keys, or e.g. `credentials = \"bearer | api_key\"` for one that takes either",
        );
    }
    // Unknown (and nothing more to check) when the string is malformed.
    let kinds = if args.credentials.is_set() {
        parsed
    } else if args.api_key.is_set() {
        Some(API_KEY)
    } else {
        Some(BEARER)
    };
    let Some(kinds) = kinds else {
        return BEARER;
    };
    // How to take bearer tokens only, or both kinds, as the route was written.
    let (bearer_only, both) = if args.credentials.is_set() {
        (
            "leave out `credentials` (bearer tokens only, the default)",
            r#"`credentials = "bearer | api_key"`"#,
        )
    } else {
        (
            "leave out `api_key`",
            r#"`credentials = "bearer | api_key"` in place of `api_key`"#,
        )
    };
    if kinds.api_key {
        conflict(
            cx,
            &args.refresh,
            REFRESH_RULE,
            &format!("the refresh route takes a login's refresh token: {bearer_only} there"),
        );
        let keep = |key: Name| format!("leave out `{key}`, or {bearer_only} to keep `{key}`");
        conflict(cx, &args.fresh, FRESH_RULE, &keep(names::FRESH));
        conflict(cx, &args.dpop, DPOP_RULE, &keep(names::DPOP));
        conflict(cx, &args.max_age, STEP_UP_RULE, &keep(names::MAX_AGE));
        conflict(cx, &args.acr, STEP_UP_RULE, &keep(names::ACR));
        conflict(cx, &args.amr, STEP_UP_RULE, &keep(names::AMR));
    }
    if !kinds.bearer {
        let drop = |key: Name| format!("leave out `{key}`, or take bearer tokens too: {both}");
        conflict(cx, &args.locations, LOCATIONS_RULE, &drop(names::LOCATIONS));
        conflict(
            cx,
            &args.verify_type,
            VERIFY_TYPE_RULE,
            &drop(names::VERIFY_TYPE),
        );
        conflict(cx, &args.csrf, CSRF_RULE, &drop(names::CSRF));
    }
    if !kinds.api_key
        && let Some(value) = args.common.rate_key.get()
        && spec::is_api_key_rate_key(value)
    {
        cx.error_spanned_by(
            value,
            format!(
                "{RATE_KEY_RULE}; count it per `subject` (the default) or `ip`, or take API \
                 keys: `api_key`, or `credentials = \"bearer | api_key\"`"
            ),
        );
    }
    kinds
}

/// Reports `slot`'s key, if given, as conflicting with the route's credentials.
fn conflict<T>(cx: &Ctxt, slot: &Slot<T>, rule: &str, fix: &str) {
    if let Some(key) = slot.key() {
        cx.error_at(key.span(), format!("{rule}; {fix}"));
    }
}
