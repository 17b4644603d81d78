//! `#[protect(...)]` arguments as written: each key in its slot, each value given its kind.
//! What the values mean is checked in `validate`.

use proc_macro2::TokenStream;
use syn::{Ident, LitBool, LitStr, Path, Type};

use crate::args::{self, Arg, Slot, Value};
use crate::attr_names::{self as names, PROTECT};
use crate::ctxt::Ctxt;
use crate::handler::CommonArgs;

/// The arguments of one `#[protect(...)]`.
pub(crate) struct ProtectArgs {
    pub(crate) access: Slot<()>,
    pub(crate) refresh: Slot<()>,
    pub(crate) fresh: Slot<()>,
    pub(crate) max_age: Slot<LitStr>,
    pub(crate) acr: Slot<Vec<LitStr>>,
    pub(crate) amr: Slot<Vec<LitStr>>,
    pub(crate) dpop: Slot<()>,
    pub(crate) api_key: Slot<()>,
    pub(crate) credentials: Slot<LitStr>,
    pub(crate) scopes: Slot<Vec<LitStr>>,
    pub(crate) any_scopes: Slot<Vec<LitStr>>,
    pub(crate) locations: Slot<Vec<Ident>>,
    pub(crate) csrf: Slot<LitBool>,
    pub(crate) verify_type: Slot<LitBool>,
    pub(crate) policy: Slot<Path>,
    pub(crate) kind: Slot<LitStr>,
    pub(crate) action: Slot<LitStr>,
    pub(crate) resource: Slot<Path>,
    pub(crate) principal: Slot<Type>,
    pub(crate) state: Slot<Type>,
    /// `route`, `rate`, `rate_key`, `crate`.
    pub(crate) common: CommonArgs,
}

const EXAMPLE: &str = r#"#[protect(scopes = "users:read")]"#;

pub(crate) fn parse(cx: &Ctxt, tokens: TokenStream) -> ProtectArgs {
    let mut out = ProtectArgs {
        access: Slot::new(names::ACCESS),
        refresh: Slot::new(names::REFRESH),
        fresh: Slot::new(names::FRESH),
        max_age: Slot::new(names::MAX_AGE),
        acr: Slot::new(names::ACR),
        amr: Slot::new(names::AMR),
        dpop: Slot::new(names::DPOP),
        api_key: Slot::new(names::API_KEY),
        credentials: Slot::new(names::CREDENTIALS),
        scopes: Slot::new(names::SCOPES),
        any_scopes: Slot::new(names::ANY_SCOPES),
        locations: Slot::new(names::LOCATIONS),
        csrf: Slot::new(names::CSRF),
        verify_type: Slot::new(names::VERIFY_TYPE),
        policy: Slot::new(names::POLICY),
        kind: Slot::new(names::KIND),
        action: Slot::new(names::ACTION),
        resource: Slot::new(names::RESOURCE),
        principal: Slot::new(names::PRINCIPAL),
        state: Slot::new(names::STATE),
        common: CommonArgs::new(PROTECT),
    };
    for (index, arg) in args::parse(cx, tokens, &[names::PRINCIPAL, names::STATE])
        .iter()
        .enumerate()
    {
        let key = &arg.key;
        if *key == names::ACCESS {
            out.access
                .set(cx, PROTECT, key, index, args::flag(cx, PROTECT, arg));
        } else if *key == names::REFRESH {
            out.refresh
                .set(cx, PROTECT, key, index, args::flag(cx, PROTECT, arg));
        } else if *key == names::FRESH {
            out.fresh
                .set(cx, PROTECT, key, index, args::flag(cx, PROTECT, arg));
        } else if *key == names::DPOP {
            out.dpop
                .set(cx, PROTECT, key, index, args::flag(cx, PROTECT, arg));
        } else if *key == names::API_KEY {
            out.api_key
                .set(cx, PROTECT, key, index, args::flag(cx, PROTECT, arg));
        } else if *key == names::CREDENTIALS {
            let value = credentials(cx, arg);
            out.credentials.set(cx, PROTECT, key, index, value);
        } else if *key == names::MAX_AGE {
            let value = max_age(cx, arg);
            out.max_age.set(cx, PROTECT, key, index, value);
        } else if *key == names::ACR {
            let list = StringList {
                noun: "acr value",
                one: r#"acr = "mfa""#.to_owned(),
                many: r#"acr = ["mfa", "hwk"]"#.to_owned(),
            };
            let value = string_list(cx, arg, &list);
            out.acr.set(cx, PROTECT, key, index, value);
        } else if *key == names::AMR {
            let list = StringList {
                noun: "authentication method",
                one: r#"amr = "hwk""#.to_owned(),
                many: r#"amr = ["pwd", "otp"]"#.to_owned(),
            };
            let value = string_list(cx, arg, &list);
            out.amr.set(cx, PROTECT, key, index, value);
        } else if *key == names::SCOPES {
            let value = scope_list(cx, arg);
            out.scopes.set(cx, PROTECT, key, index, value);
        } else if *key == names::ANY_SCOPES {
            let value = scope_list(cx, arg);
            out.any_scopes.set(cx, PROTECT, key, index, value);
        } else if *key == names::LOCATIONS {
            let value = locations(cx, arg);
            out.locations.set(cx, PROTECT, key, index, value);
        } else if *key == names::CSRF {
            let value = boolean(
                cx,
                arg,
                "`csrf` takes `true` (the default) or `false`: write `csrf = false` to turn the \
                 CSRF double-submit check off for this route",
            );
            out.csrf.set(cx, PROTECT, key, index, value);
        } else if *key == names::VERIFY_TYPE {
            let value = boolean(
                cx,
                arg,
                "`verify_type` takes `true` (the default) or `false`: write \
                 `verify_type = false` to accept an access or a refresh token on this route",
            );
            out.verify_type.set(cx, PROTECT, key, index, value);
        } else if *key == names::KIND {
            let value = args::kind(cx, arg);
            out.kind.set(cx, PROTECT, key, index, value);
        } else if *key == names::POLICY {
            let value = policy(cx, arg);
            out.policy.set(cx, PROTECT, key, index, value);
        } else if *key == names::ACTION {
            let takes = "a string naming the Cedar action: the resource type, then the action";
            let value = one_string(cx, arg, takes, r#"action = "Document::edit""#);
            out.action.set(cx, PROTECT, key, index, value);
        } else if *key == names::RESOURCE {
            let value = resource(cx, arg);
            out.resource.set(cx, PROTECT, key, index, value);
        } else if *key == names::PRINCIPAL {
            let value = a_type(
                cx,
                arg,
                "`principal` takes the `#[auth_subject]` type the decision's principal is (it \
                 must implement `AuthzEntity`): write e.g. `principal = User`",
            );
            out.principal.set(cx, PROTECT, key, index, value);
        } else if *key == names::STATE {
            let value = a_type(
                cx,
                arg,
                "`state` takes the type the resource loader's extractors read the state as (the \
                 router state, or a part of it through `FromRef`): write e.g. `state = AppState`",
            );
            out.state.set(cx, PROTECT, key, index, value);
        } else if !out.common.accept(cx, arg, index) {
            args::unknown_key(cx, PROTECT, key, names::PROTECT_KEYS, EXAMPLE);
        }
    }
    out
}

/// `"a"` or `["a", "b"]` of scopes.
fn scope_list(cx: &Ctxt, arg: &Arg) -> Option<Vec<LitStr>> {
    let key = &arg.key;
    let lists = StringList {
        noun: "scope",
        one: format!(r#"{key} = "users:read""#),
        many: format!(r#"{key} = ["users:read", "users:write"]"#),
    };
    string_list(cx, arg, &lists)
}

/// How a list of strings is named and written, for messages.
struct StringList {
    /// One item: "scope", "acr value", "authentication method".
    noun: &'static str,
    /// The key with one string.
    one: String,
    /// The key with an array.
    many: String,
}

/// `"a"` or `["a", "b"]`: the string literals (each other item is reported).
fn string_list(cx: &Ctxt, arg: &Arg, list: &StringList) -> Option<Vec<LitStr>> {
    let key = &arg.key;
    let StringList { noun, one, many } = list;
    let expr = args::expr(cx, arg, many)?;
    let items = args::as_list(expr);
    if items.is_empty() {
        cx.error_spanned_by(
            expr,
            format!(
                "empty {noun} list: `{key}` needs at least one {noun}, or leave the key out; \
                 write e.g. `{one}`"
            ),
        );
        return None;
    }
    let mut lits = Vec::new();
    for item in items {
        match args::as_lit_str(item) {
            Some(lit) => lits.push(lit.clone()),
            None => cx.error_spanned_by(
                item,
                format!(
                    "`{key}` takes one {noun} string or an array of {noun} strings: write \
                     e.g. `{one}` or `{many}`"
                ),
            ),
        }
    }
    Some(lits)
}

/// `key = "..."`: one string literal, checked against its grammar in `validate`; `takes`
/// says what the key takes, for the error.
fn one_string(cx: &Ctxt, arg: &Arg, takes: &str, example: &str) -> Option<LitStr> {
    let expr = args::expr(cx, arg, example)?;
    let lit = args::as_lit_str(expr);
    if lit.is_none() {
        let key = &arg.key;
        cx.error_spanned_by(
            expr,
            format!("`{key}` takes {takes}: write e.g. `{example}`"),
        );
    }
    lit.cloned()
}

/// `max_age = "5m"`.
fn max_age(cx: &Ctxt, arg: &Arg) -> Option<LitStr> {
    let takes = "a string, the longest time since the user's login that this route accepts";
    one_string(cx, arg, takes, r#"max_age = "5m""#)
}

/// `credentials = "bearer | api_key"`.
fn credentials(cx: &Ctxt, arg: &Arg) -> Option<LitStr> {
    let takes = "a string naming the kinds of credential the route takes, `bearer` and \
                 `api_key` separated by `|`";
    one_string(cx, arg, takes, r#"credentials = "bearer | api_key""#)
}

/// `[headers, cookies]` (or one name): the identifiers, checked against the valid names later.
fn locations(cx: &Ctxt, arg: &Arg) -> Option<Vec<Ident>> {
    let example = "locations = [headers, cookies]";
    let expr = args::expr(cx, arg, example)?;
    let items = args::as_list(expr);
    if items.is_empty() {
        cx.error_spanned_by(
            expr,
            format!(
                "empty `locations`: list where the token may be found, or leave the key out to \
                 use the configured locations; write e.g. `{example}`"
            ),
        );
        return None;
    }
    let mut idents = Vec::new();
    for item in items {
        match args::as_ident(item) {
            Some(ident) => idents.push(ident.clone()),
            None => cx.error_spanned_by(
                item,
                format!(
                    "`locations` takes an array of token locations, written as bare names \
                     (`headers`, `cookies`, `query`, `json`): write e.g. `{example}`"
                ),
            ),
        }
    }
    Some(idents)
}

/// `key = true` or `key = false`; anything else is reported with `explain`.
fn boolean(cx: &Ctxt, arg: &Arg, explain: &str) -> Option<LitBool> {
    let example = format!("{} = false", arg.key);
    let expr = args::expr(cx, arg, &example)?;
    let lit = args::as_lit_bool(expr);
    if lit.is_none() {
        cx.error_spanned_by(expr, explain);
    }
    lit.cloned()
}

fn policy(cx: &Ctxt, arg: &Arg) -> Option<Path> {
    let example = "policy = is_owner";
    a_path(
        cx,
        arg,
        example,
        &format!(
            "`policy` takes the path of an `async fn(&Claims, &Parts) -> T` where \
             `T: Into<PolicyDecision>` (`bool`, `PolicyDecision` or `Result<(), E>`), not \
             a string or another expression: write e.g. `{example}`"
        ),
    )
}

/// `resource = load_document`: the loader's path.
fn resource(cx: &Ctxt, arg: &Arg) -> Option<Path> {
    let example = "resource = load_document";
    a_path(
        cx,
        arg,
        example,
        &format!(
            "`resource` takes the path of the fn that loads the route's resource (sync or \
             async, taking up to four extractors, returning `Option<T>` or \
             `Result<Option<T>, E>`), not a string or another expression: write e.g. \
             `{example}`"
        ),
    )
}

/// `key = some::path`; anything else is reported with `explain`.
fn a_path(cx: &Ctxt, arg: &Arg, example: &str, explain: &str) -> Option<Path> {
    let expr = args::expr(cx, arg, example)?;
    let path = args::as_path(expr);
    if path.is_none() {
        cx.error_spanned_by(expr, explain);
    }
    path.cloned()
}

/// `key = Type`; anything else is reported with `explain`.
fn a_type(cx: &Ctxt, arg: &Arg, explain: &str) -> Option<Type> {
    match &arg.value {
        Some(Value::Type(t)) => Some(t.clone()),
        _ => {
            cx.error_at(arg.key.span(), explain);
            None
        }
    }
}
