//! `#[protect(...)]` semantics: conflicting keys, the scope/rate/route grammar (shared with the
//! runtime through `authx-spec`), token locations, credentials. Produces the validated
//! [`Requirements`].

use authx_spec::CredentialKinds;
use syn::Path;

use super::credentials;
use super::parse::ProtectArgs;
use crate::args;
use crate::attr_names::{self as names, LOCATION_NAMES};
use crate::ctxt::Ctxt;
use crate::handler::Common;
use crate::spec::{self, RateKeyArg};

/// What a `#[protect]` route requires, validated.
pub(crate) struct Requirements {
    pub(crate) refresh: bool,
    pub(crate) fresh: bool,
    /// `max_age`, in seconds.
    pub(crate) max_age: Option<u64>,
    pub(crate) acr: Vec<String>,
    pub(crate) dpop: bool,
    /// Bearer tokens (the default), API keys, or either.
    pub(crate) credentials: CredentialKinds,
    pub(crate) scopes: Vec<String>,
    /// `any_scopes` rather than `scopes`.
    pub(crate) any: bool,
    /// `TokenLocation` variant names, when the route overrides the configured locations.
    pub(crate) locations: Option<Vec<&'static str>>,
    pub(crate) csrf: bool,
    /// `false` accepts either token type.
    pub(crate) verify_type: bool,
    pub(crate) policy: Option<Path>,
    pub(crate) kind: Option<String>,
    pub(crate) common: Common,
}

pub(crate) fn validate(cx: &Ctxt, args: &ProtectArgs) -> Requirements {
    if let Some(key) = args::later(&args.access, &args.refresh) {
        cx.error_at(
            key.span(),
            "`access` and `refresh` together: a route accepts one token type; write \
             `#[protect(refresh)]` on the route that issues new tokens and `#[protect(access)]` \
             (or `#[protect]`) elsewhere",
        );
    }
    if let Some(key) = args::later(&args.fresh, &args.refresh) {
        cx.error_at(
            key.span(),
            "`fresh` with `refresh`: a refresh token is never fresh (only a login issues fresh \
             tokens, and those are access tokens); write `#[protect(fresh)]` for a sensitive \
             route, `#[protect(refresh)]` for the refresh route",
        );
    }
    for slot in [args.max_age.key(), args.acr.key()] {
        if let (Some(key), Some(_)) = (slot, args.refresh.key()) {
            cx.error_at(
                key.span(),
                format!(
                    "`{key}` with `refresh`: step-up requirements apply to access tokens (the \
                     refresh route only exchanges a login's tokens); write e.g. \
                     `#[protect({key} = ...)]` on the sensitive route and a plain \
                     `#[protect(refresh)]` on the refresh route"
                ),
            );
        }
    }
    if let Some(key) = args::later(&args.scopes, &args.any_scopes) {
        cx.error_at(
            key.span(),
            "`scopes` and `any_scopes` together: a route requires all of its scopes or any one \
             of them, not both; write e.g. `scopes = [\"users:read\", \"users:write\"]` (all) or \
             `any_scopes = [\"admin:*\", \"users:read\"]` (any)",
        );
    }

    let (slot, any) = if args.any_scopes.is_set() && !args.scopes.is_set() {
        (&args.any_scopes, true)
    } else {
        (&args.scopes, false)
    };
    let scopes = match slot.get() {
        Some(lits) => {
            let lits: Vec<_> = lits.iter().collect();
            spec::scopes(cx, &lits).unwrap_or_default()
        }
        None => Vec::new(),
    };

    let locations = args.locations.get().map(|idents| {
        let mut variants: Vec<&'static str> = Vec::new();
        let valid: Vec<_> = LOCATION_NAMES.iter().map(|(n, _)| *n).collect();
        let mut seen: Vec<String> = Vec::new();
        for ident in idents {
            let word = ident.to_string();
            let Some((_, variant)) = LOCATION_NAMES.iter().find(|(n, _)| *ident == *n) else {
                let hint = match names::closest(&word, &valid) {
                    Some(near) => format!(" (did you mean `{near}`?)"),
                    None => String::new(),
                };
                cx.error_at(
                    ident.span(),
                    format!(
                        "unknown token location `{word}`{hint}: valid locations are {}; write \
                         e.g. `locations = [headers, cookies]`",
                        names::list(&valid)
                    ),
                );
                continue;
            };
            if seen.contains(&word) {
                cx.error_at(
                    ident.span(),
                    format!(
                        "duplicate location `{word}`: list each location once; write e.g. \
                         `locations = [headers, cookies]`"
                    ),
                );
                continue;
            }
            seen.push(word);
            variants.push(variant);
        }
        variants
    });

    let max_age = args
        .max_age
        .get()
        .and_then(|lit| spec::max_age(cx, lit))
        .map(|d| d.as_secs());
    let acr = match args.acr.get() {
        Some(lits) => {
            let lits: Vec<_> = lits.iter().collect();
            spec::acr_values(cx, &lits).unwrap_or_default()
        }
        None => Vec::new(),
    };

    let credentials = credentials::validate(cx, args);

    Requirements {
        refresh: args.refresh.is_set(),
        fresh: args.fresh.is_set(),
        max_age,
        acr,
        dpop: args.dpop.is_set(),
        credentials,
        scopes,
        any,
        locations,
        csrf: args.csrf.get().is_none_or(|b| b.value),
        verify_type: args.verify_type.get().is_none_or(|b| b.value),
        policy: args.policy.get().cloned(),
        kind: args.kind.get().map(|l| l.value()),
        common: args.common.validate(cx, RateKeyArg::Subject),
    }
}
