//! `#[protect(...)]` semantics: conflicting keys, the scope/rate/route/step-up grammar (shared
//! with the runtime through `authx-spec`), the crate's declared acr values, token locations,
//! credentials. Produces the validated [`Requirements`].

use authx_spec::CredentialKinds;
use syn::{Path, Type};

use super::parse::ProtectArgs;
use super::{acr_values, cedar, credentials};
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
    /// The methods the token's `amr` must all contain.
    pub(crate) amr: Vec<String>,
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
    /// `action`, with its resource loader.
    pub(crate) authz: Option<AuthzRoute>,
    pub(crate) common: Common,
}

/// A route deciding a Cedar action on its resource.
pub(crate) struct AuthzRoute {
    /// `Document::edit`, checked against the schema.
    pub(crate) action: String,
    /// The schema's path (the expansion includes it, so editing it recompiles the crate).
    pub(crate) schema: String,
    pub(crate) resource: Path,
    pub(crate) principal: Option<Type>,
    pub(crate) state: Option<Type>,
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
    for slot in [args.max_age.key(), args.acr.key(), args.amr.key()] {
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
    let acr = match (args.acr.key(), args.acr.get()) {
        (Some(key), Some(lits)) => {
            let refs: Vec<_> = lits.iter().collect();
            let values = spec::acr_values(cx, &refs);
            if values.is_some() {
                acr_values::check(cx, key, lits);
            }
            values.unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let amr = match args.amr.get() {
        Some(lits) => {
            let lits: Vec<_> = lits.iter().collect();
            spec::amr_values(cx, &lits).unwrap_or_default()
        }
        None => Vec::new(),
    };

    let credentials = credentials::validate(cx, args);
    let authz = authz(cx, args);

    Requirements {
        refresh: args.refresh.is_set(),
        fresh: args.fresh.is_set(),
        max_age,
        acr,
        amr,
        dpop: args.dpop.is_set(),
        credentials,
        scopes,
        any,
        locations,
        csrf: args.csrf.get().is_none_or(|b| b.value),
        verify_type: args.verify_type.get().is_none_or(|b| b.value),
        policy: args.policy.get().cloned(),
        kind: args.kind.get().map(|l| l.value()),
        authz,
        common: args.common.validate(cx, RateKeyArg::Subject),
    }
}

/// `action`, `resource`, `principal` and `state`: an action needs its resource and the
/// others need both; the action is checked against the crate's Cedar schema.
fn authz(cx: &Ctxt, args: &ProtectArgs) -> Option<AuthzRoute> {
    let example = r#"#[protect(action = "Document::edit", resource = load_document)]"#;
    match (args.action.key(), args.resource.key()) {
        (Some(key), None) => cx.error_at(
            key.span(),
            format!(
                "`action` without `resource`: an action is decided on the resource the route \
                 loads, so name its loader: write e.g. `{example}`"
            ),
        ),
        (None, Some(key)) => cx.error_at(
            key.span(),
            format!(
                "`resource` without `action`: the resource is loaded to decide an action on \
                 it, so name the action of the Cedar schema: write e.g. `{example}`"
            ),
        ),
        _ => {}
    }
    if args.action.key().is_none() {
        for key in [args.principal.key(), args.state.key()]
            .into_iter()
            .flatten()
        {
            cx.error_at(
                key.span(),
                format!(
                    "`{key}` without `action`: it serves the decision of an action on the \
                     route's resource; write e.g. \
                     `#[protect(action = \"Document::edit\", resource = load_document, {key} = ...)]`"
                ),
            );
        }
    }
    if let Some(key) = args::later(&args.refresh, &args.action) {
        cx.error_at(
            key.span(),
            "`action` with `refresh`: actions are decided for access tokens (the refresh route \
             only exchanges a login's tokens); write `#[protect(action = ..., resource = ...)]` \
             on the route that acts on the resource",
        );
    }
    let action = args.action.get()?;
    let resource = args.resource.get()?;
    let schema = cedar::check_action(cx, action)?;
    Some(AuthzRoute {
        action: action.value(),
        schema: schema.display().to_string(),
        resource: resource.clone(),
        principal: args.principal.get().cloned(),
        state: args.state.get().cloned(),
    })
}
