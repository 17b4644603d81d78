//! Validation of the strings written in attributes (scopes, rates, routes, rate keys,
//! credentials, step-up) with the
//! `authx-spec` grammar, the same code the runtime uses. A [`SpecError`]'s byte range is mapped
//! onto the string literal: the exact characters where the compiler can point inside a literal,
//! the whole literal otherwise (stable Rust today).

use std::ops::Range;

use authx_spec::{CredentialKinds, RateKey, RateSpec, RouteSpec, SpecError, scope};
use proc_macro2::Span;
use syn::{Expr, LitStr, Path};

use crate::args;
use crate::attr_names::{self, Name};
use crate::ctxt::Ctxt;

/// Where in the source a byte range of `lit`'s value lies, if the compiler can tell.
fn subspan(lit: &LitStr, range: Range<usize>) -> Span {
    let token = lit.token();
    let repr = token.to_string();
    // Only a plain literal maps byte for byte: `"` + value + `"`, no escapes, no suffix.
    let value = lit.value();
    let plain = repr.len() == value.len() + 2 && repr[1..repr.len() - 1] == value;
    let inner = range.start + 1..range.end + 1;
    if plain
        && !range.is_empty()
        && range.end <= value.len()
        && let Some(span) = token.subspan(inner)
    {
        return span;
    }
    lit.span()
}

fn report(cx: &Ctxt, lit: &LitStr, error: &SpecError) {
    cx.error_at(subspan(lit, error.span.clone()), &error.message);
}

/// A validated list of scopes (`scopes = [...]`); every bad item and duplicate is reported.
pub(crate) fn scopes(cx: &Ctxt, lits: &[&LitStr]) -> Option<Vec<String>> {
    let values: Vec<String> = lits.iter().map(|l| l.value()).collect();
    match scope::parse_list(&values) {
        Ok(patterns) => Some(patterns.iter().map(|p| p.as_str().to_owned()).collect()),
        Err(errors) => {
            for (index, error) in &errors {
                report(cx, lits[*index], error);
            }
            None
        }
    }
}

/// A validated max authentication age (`max_age = "5m"`).
pub(crate) fn max_age(cx: &Ctxt, lit: &LitStr) -> Option<std::time::Duration> {
    authx_spec::step_up::parse_max_age(&lit.value())
        .map_err(|e| report(cx, lit, &e))
        .ok()
}

/// A validated list of acr values (`acr = ["mfa", "hwk"]`); every bad item is reported.
pub(crate) fn acr_values(cx: &Ctxt, lits: &[&LitStr]) -> Option<Vec<String>> {
    let values: Vec<String> = lits.iter().map(|l| l.value()).collect();
    match authx_spec::step_up::parse_acr_list(&values) {
        Ok(()) => Some(values),
        Err(errors) => {
            for (index, error) in &errors {
                report(cx, lits[*index], error);
            }
            None
        }
    }
}

/// A validated list of required authentication methods (`amr = ["pwd", "otp"]`, RFC 8176's
/// registry); every bad item is reported.
pub(crate) fn amr_values(cx: &Ctxt, lits: &[&LitStr]) -> Option<Vec<String>> {
    let values: Vec<String> = lits.iter().map(|l| l.value()).collect();
    match authx_spec::amr::parse_amr_list(&values) {
        Ok(()) => Some(values),
        Err(errors) => {
            for (index, error) in &errors {
                report(cx, lits[*index], error);
            }
            None
        }
    }
}

/// A validated rate (`rate = "10/60s"`).
pub(crate) fn rate(cx: &Ctxt, lit: &LitStr) -> Option<RateSpec> {
    RateSpec::parse(&lit.value())
        .map_err(|e| report(cx, lit, &e))
        .ok()
}

/// A validated route (`route = "GET /users/{id}"`).
pub(crate) fn route(cx: &Ctxt, lit: &LitStr) -> Option<RouteSpec> {
    RouteSpec::parse(&lit.value())
        .map_err(|e| report(cx, lit, &e))
        .ok()
}

/// A validated credentials spec (`credentials = "bearer | api_key"`).
pub(crate) fn credentials(cx: &Ctxt, lit: &LitStr) -> Option<CredentialKinds> {
    CredentialKinds::parse(&lit.value())
        .map_err(|e| report(cx, lit, &e))
        .ok()
}

/// What a rate limit is keyed by, as the macro emits it.
pub(crate) enum RateKeyArg {
    Ip,
    Subject,
    /// Per API key (`rate_key = api_key`).
    ApiKey,
    /// The path of a `fn(&Parts, Option<&Claims>) -> String`.
    Custom(Path),
}

/// `rate_key = ip | subject | api_key | path::to::key_fn` (or the strings `"ip"`, `"subject"`,
/// `"api_key"`).
///
/// A single identifier other than `ip`, `subject` and `api_key` is taken as the name of a key
/// function, so a typo such as `ipp` is reported by the compiler where it is written ("cannot
/// find value").
pub(crate) fn rate_key(cx: &Ctxt, expr: &Expr) -> Option<RateKeyArg> {
    if let Some(lit) = args::as_lit_str(expr) {
        return match RateKey::parse_builtin(&lit.value()) {
            Ok(RateKey::Ip) => Some(RateKeyArg::Ip),
            Ok(RateKey::Subject) => Some(RateKeyArg::Subject),
            Ok(RateKey::ApiKey) => Some(RateKeyArg::ApiKey),
            Ok(RateKey::Custom(_)) => None, // parse_builtin never returns it
            Err(e) => {
                report(cx, lit, &e);
                None
            }
        };
    }
    match args::as_path(expr) {
        Some(path) if path == &attr_names::RATE_KEY_IP => Some(RateKeyArg::Ip),
        Some(path) if path == &attr_names::RATE_KEY_SUBJECT => Some(RateKeyArg::Subject),
        Some(path) if path == &attr_names::RATE_KEY_API_KEY => Some(RateKeyArg::ApiKey),
        Some(path) => Some(RateKeyArg::Custom(path.clone())),
        None => {
            cx.error_spanned_by(
                expr,
                format!(
                    "`{}` takes `ip`, `subject`, `api_key` or the path of a key function \
                     `fn(&Parts, Option<&Claims>) -> String`; write e.g. `rate_key = ip` or \
                     `rate_key = crate::keys::by_tenant`",
                    attr_names::RATE_KEY
                ),
            );
            None
        }
    }
}

/// Does `expr` name the built-in per-API-key rate key (`api_key` or `"api_key"`)? Reports
/// nothing: [`rate_key`] does.
pub(crate) fn is_api_key_rate_key(expr: &Expr) -> bool {
    match args::as_lit_str(expr) {
        Some(lit) => lit.value() == attr_names::RATE_KEY_API_KEY.0,
        None => args::as_path(expr).is_some_and(|p| p == &attr_names::RATE_KEY_API_KEY),
    }
}

/// A string-literal value, or an error naming the key and an example.
pub(crate) fn lit_str<'a>(
    cx: &Ctxt,
    key: Name,
    expr: &'a Expr,
    example: &str,
) -> Option<&'a LitStr> {
    let lit = args::as_lit_str(expr);
    if lit.is_none() {
        cx.error_spanned_by(
            expr,
            format!("`{key}` takes a string literal: write e.g. `{example}`"),
        );
    }
    lit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(cx: Ctxt) -> Vec<String> {
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn scope_lists_report_every_item() {
        let cx = Ctxt::new();
        let a: LitStr = syn::parse_quote!("a::b");
        let b: LitStr = syn::parse_quote!("ok");
        let c: LitStr = syn::parse_quote!("ok");
        assert!(scopes(&cx, &[&a, &b, &c]).is_none());
        let m = messages(cx);
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].starts_with("empty segment"), "{m:?}");
        assert!(m[1].starts_with("duplicate scope"), "{m:?}");

        let cx = Ctxt::new();
        assert_eq!(scopes(&cx, &[&b]).unwrap(), ["ok"]);
        assert!(messages(cx).is_empty());
    }

    #[test]
    fn rate_keys() {
        let cx = Ctxt::new();
        let e: Expr = syn::parse_quote!(ip);
        assert!(matches!(rate_key(&cx, &e), Some(RateKeyArg::Ip)));
        let e: Expr = syn::parse_quote!("subject");
        assert!(matches!(rate_key(&cx, &e), Some(RateKeyArg::Subject)));
        let e: Expr = syn::parse_quote!(api_key);
        assert!(matches!(rate_key(&cx, &e), Some(RateKeyArg::ApiKey)));
        assert!(is_api_key_rate_key(&e));
        let e: Expr = syn::parse_quote!("api_key");
        assert!(matches!(rate_key(&cx, &e), Some(RateKeyArg::ApiKey)));
        assert!(is_api_key_rate_key(&e));
        let e: Expr = syn::parse_quote!(keys::tenant);
        assert!(!is_api_key_rate_key(&e));
        assert!(matches!(rate_key(&cx, &e), Some(RateKeyArg::Custom(_))));
        let e: Expr = syn::parse_quote!("ipp");
        assert!(rate_key(&cx, &e).is_none());
        let e: Expr = syn::parse_quote!(3);
        assert!(rate_key(&cx, &e).is_none());
        let m = messages(cx);
        assert!(m[0].starts_with("unknown rate key \"ipp\""), "{m:?}");
        assert!(m[1].starts_with("`rate_key` takes"), "{m:?}");
    }

    #[test]
    fn rates_and_routes() {
        let cx = Ctxt::new();
        let ok: LitStr = syn::parse_quote!("10/1m");
        assert_eq!(rate(&cx, &ok).unwrap().window_millis(), 60_000);
        let bad: LitStr = syn::parse_quote!("0/1m");
        assert!(rate(&cx, &bad).is_none());
        let r: LitStr = syn::parse_quote!("GET  /x");
        assert_eq!(route(&cx, &r).unwrap().to_string(), "GET /x");
        let m = messages(cx);
        assert!(m[0].starts_with("zero count"), "{m:?}");
    }

    #[test]
    fn credentials_specs() {
        let cx = Ctxt::new();
        let ok: LitStr = syn::parse_quote!("bearer | api_key");
        let kinds = credentials(&cx, &ok).unwrap();
        assert!(kinds.bearer && kinds.api_key);
        let bad: LitStr = syn::parse_quote!("bearer | apikey");
        assert!(credentials(&cx, &bad).is_none());
        let m = messages(cx);
        assert!(
            m[0].starts_with("unknown credential kind \"apikey\""),
            "{m:?}"
        );
        assert!(m[0].contains("did you mean `api_key`"), "{m:?}");
    }
}
