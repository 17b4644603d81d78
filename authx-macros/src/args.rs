//! The grammar every attribute shares: a comma-separated list of `key` or `key = value`.
//!
//! Parsing never stops at the first mistake: a malformed entry is reported and skipped up to
//! the next top-level comma, so the checks that follow still see every other key. Values are
//! kept as syn nodes (with their spans) and given a kind by the `as_*` functions here.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitBool, LitStr, Path, Token, Type};

use crate::attr_names::{self, Name};
use crate::ctxt::Ctxt;

/// One `key` or `key = value` entry.
pub(crate) struct Arg {
    pub(crate) key: Ident,
    pub(crate) value: Option<Value>,
}

/// The value after `=`: an expression, or a type for the keys that take one (`state = Db`).
pub(crate) enum Value {
    Expr(Expr),
    Type(Type),
}

impl Value {
    pub(crate) fn span(&self) -> Span {
        match self {
            Value::Expr(e) => e.span(),
            Value::Type(t) => t.span(),
        }
    }
}

impl quote::ToTokens for Value {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Value::Expr(e) => e.to_tokens(tokens),
            Value::Type(t) => t.to_tokens(tokens),
        }
    }
}

/// Parses `tokens` as an argument list. `type_keys` take a type rather than an expression.
pub(crate) fn parse(cx: &Ctxt, tokens: TokenStream, type_keys: &[Name]) -> Vec<Arg> {
    let parser = |input: ParseStream| {
        let mut args = Vec::new();
        while !input.is_empty() {
            if let Some(arg) = parse_one(cx, input, type_keys) {
                args.push(arg);
            }
            if input.is_empty() {
                break;
            }
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            } else {
                cx.error_at(
                    input.span(),
                    "expected `,` between two keys: write e.g. `access, scopes = \"users:read\"`",
                );
                skip_to_comma(input)?;
            }
        }
        Ok(args)
    };
    match parser.parse2(tokens) {
        Ok(args) => args,
        Err(e) => {
            cx.syn_error(e);
            Vec::new()
        }
    }
}

fn parse_one(cx: &Ctxt, input: ParseStream, type_keys: &[Name]) -> Option<Arg> {
    let key = match input.call(Ident::parse_any) {
        Ok(key) => key,
        Err(_) => {
            cx.error_at(
                input.span(),
                "expected a key such as `access` or `scopes = \"users:read\"`",
            );
            let _ = skip_to_comma(input);
            return None;
        }
    };
    if !input.peek(Token![=]) {
        return Some(Arg { key, value: None });
    }
    let _ = input.parse::<Token![=]>();
    if input.is_empty() || input.peek(Token![,]) {
        cx.error_at(
            key.span(),
            format!("missing value after `{key} =`: write e.g. `{key} = ...` with a value"),
        );
        return None;
    }
    let value = if type_keys.iter().any(|k| key == *k) {
        input.parse().map(Value::Type)
    } else {
        input.parse().map(Value::Expr)
    };
    match value {
        Ok(value) => Some(Arg {
            key,
            value: Some(value),
        }),
        Err(e) => {
            cx.syn_error(e);
            let _ = skip_to_comma(input);
            None
        }
    }
}

/// Consumes tokens up to (not including) the next top-level `,`.
fn skip_to_comma(input: ParseStream) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    })
}

/// An optional value that may be given once; a second occurrence is an error.
///
/// A key whose value was malformed still counts as given (with no value), so that checks
/// such as "`rate_key` needs `rate`" do not report a second error for the same mistake.
pub(crate) struct Slot<T> {
    name: Name,
    /// The key as written, its position in the list, and the value if it was well-formed.
    set: Option<(Ident, usize, Option<T>)>,
}

impl<T> Slot<T> {
    pub(crate) fn new(name: Name) -> Self {
        Slot { name, set: None }
    }

    /// Stores `value`, or reports `key` as a duplicate. `attr` names the attribute.
    pub(crate) fn set(
        &mut self,
        cx: &Ctxt,
        attr: Name,
        key: &Ident,
        index: usize,
        value: Option<T>,
    ) {
        if self.set.is_some() {
            cx.error_at(
                key.span(),
                format!(
                    "duplicate key `{}` in `#[{attr}]`: each key may be given once; remove this \
                     one{}",
                    self.name,
                    duplicate_hint(self.name)
                ),
            );
        } else {
            self.set = Some((key.clone(), index, value));
        }
    }

    /// The value, when the key was given with a well-formed one.
    pub(crate) fn get(&self) -> Option<&T> {
        self.set.as_ref().and_then(|(_, _, v)| v.as_ref())
    }

    /// The key as written (for spans).
    pub(crate) fn key(&self) -> Option<&Ident> {
        self.set.as_ref().map(|(k, _, _)| k)
    }

    /// Position of the key in the list.
    pub(crate) fn index(&self) -> Option<usize> {
        self.set.as_ref().map(|(_, i, _)| *i)
    }

    pub(crate) fn is_set(&self) -> bool {
        self.set.is_some()
    }
}

fn duplicate_hint(name: Name) -> &'static str {
    if name == attr_names::SCOPES || name == attr_names::ANY_SCOPES {
        " and list every scope in one array, e.g. `scopes = [\"users:read\", \"users:write\"]`"
    } else if name == attr_names::LOCATIONS {
        " and list every location in one array, e.g. `locations = [headers, cookies]`"
    } else {
        ""
    }
}

/// Of two set slots, the key written last: the one a conflict is reported on.
pub(crate) fn later<'a, A, B>(a: &'a Slot<A>, b: &'a Slot<B>) -> Option<&'a Ident> {
    match (a.index(), b.index()) {
        (Some(i), Some(j)) if i > j => a.key(),
        (Some(_), Some(_)) => b.key(),
        _ => None,
    }
}

/// Reports an unknown key, listing the valid ones (and the closest, if any).
pub(crate) fn unknown_key(cx: &Ctxt, attr: Name, key: &Ident, valid: &[Name], example: &str) {
    let word = key.unraw().to_string();
    let hint = match attr_names::closest(&word, valid) {
        Some(near) => format!(" (did you mean `{near}`?)"),
        None => String::new(),
    };
    cx.error_at(
        key.span(),
        format!(
            "unknown key `{word}` in `#[{attr}]`{hint}: valid keys are {}; write e.g. `{example}`",
            attr_names::list(valid)
        ),
    );
}

/// A flag takes no value: `fresh`, not `fresh = true`.
pub(crate) fn flag(cx: &Ctxt, attr: Name, arg: &Arg) -> Option<()> {
    match &arg.value {
        None => Some(()),
        Some(value) => {
            cx.error_at(
                value.span(),
                format!(
                    "`{key}` is a flag and takes no value: write `#[{attr}({key})]`, or leave it \
                     out",
                    key = arg.key
                ),
            );
            None
        }
    }
}

/// The expression after `key =`, or an error if the key was given bare.
pub(crate) fn expr<'a>(cx: &Ctxt, arg: &'a Arg, example: &str) -> Option<&'a Expr> {
    match &arg.value {
        Some(Value::Expr(e)) => Some(e),
        Some(Value::Type(_)) => None, // only for type keys, which never call this
        None => {
            cx.error_at(
                arg.key.span(),
                format!(
                    "`{key}` needs a value: write e.g. `{example}`",
                    key = arg.key
                ),
            );
            None
        }
    }
}

/// A string literal.
pub(crate) fn as_lit_str(expr: &Expr) -> Option<&LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s),
            attrs,
        }) if attrs.is_empty() => Some(s),
        Expr::Group(g) => as_lit_str(&g.expr),
        _ => None,
    }
}

/// A bool literal.
pub(crate) fn as_lit_bool(expr: &Expr) -> Option<&LitBool> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b),
            attrs,
        }) if attrs.is_empty() => Some(b),
        Expr::Group(g) => as_lit_bool(&g.expr),
        _ => None,
    }
}

/// A plain path (`load_user`, `crate::keys::tenant`), without `<T as Trait>::` qualification.
pub(crate) fn as_path(expr: &Expr) -> Option<&Path> {
    match expr {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => Some(&p.path),
        Expr::Group(g) => as_path(&g.expr),
        _ => None,
    }
}

/// The items of `[a, b, c]`, or the expression itself as a one-item list.
pub(crate) fn as_list(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::Array(a) => a.elems.iter().collect(),
        _ => vec![expr],
    }
}

/// A single identifier (`ip`, `headers`).
pub(crate) fn as_ident(expr: &Expr) -> Option<&Ident> {
    as_path(expr).and_then(Path::get_ident)
}

/// `kind = "staff"`: a user kind, non-empty, of ASCII letters, digits, `_`, `-`, `.`.
pub(crate) fn kind(cx: &Ctxt, arg: &Arg) -> Option<LitStr> {
    let example = r#"kind = "staff""#;
    let expr = expr(cx, arg, example)?;
    let Some(lit) = as_lit_str(expr) else {
        cx.error_spanned_by(expr, format!("`kind` takes a string, the user kind tokens carry in `login_type`: write e.g. `{example}`"));
        return None;
    };
    let value = lit.value();
    if value.is_empty()
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        cx.error_spanned_by(
            lit,
            format!("invalid kind {value:?}: a kind is a non-empty name of ASCII letters, digits, `_`, `-` or `.`; write e.g. `{example}`"),
        );
        return None;
    }
    Some(lit.clone())
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn keys(tokens: TokenStream) -> (Vec<String>, Vec<String>) {
        let cx = Ctxt::new();
        let args = parse(&cx, tokens, &[attr_names::STATE]);
        let keys = args
            .iter()
            .map(|a| match &a.value {
                None => a.key.to_string(),
                Some(v) => format!("{}={}", a.key, quote!(#v).to_string().replace(' ', "")),
            })
            .collect();
        let errors = match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (keys, errors)
    }

    #[test]
    fn flags_values_and_types() {
        let (k, e) =
            keys(quote!(access, scopes = ["a", "b"], crate = ::my::authx, state = Arc<Db>,));
        assert_eq!(
            k,
            [
                "access",
                "scopes=[\"a\",\"b\"]",
                "crate=::my::authx",
                "state=Arc<Db>"
            ]
        );
        assert!(e.is_empty(), "{e:?}");
        let (k, _) = keys(quote!(state = HashMap<String, Db>, loader = load));
        assert_eq!(k, ["state=HashMap<String,Db>", "loader=load"]);
    }

    #[test]
    fn keeps_going_after_a_mistake() {
        let (k, e) = keys(quote!("oops", fresh, rate = , route = "GET /"));
        assert_eq!(k, ["fresh", "route=\"GET/\""]);
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("expected a key"), "{e:?}");
        assert!(e[1].starts_with("missing value after `rate =`"), "{e:?}");
        let (k, e) = keys(quote!(access refresh, fresh));
        assert_eq!(k, ["access", "fresh"]);
        assert!(e[0].starts_with("expected `,`"), "{e:?}");
    }

    #[test]
    fn value_kinds() {
        let e: Expr = syn::parse_quote!("x");
        assert_eq!(as_lit_str(&e).unwrap().value(), "x");
        let e: Expr = syn::parse_quote!(false);
        assert!(!as_lit_bool(&e).unwrap().value);
        let e: Expr = syn::parse_quote!(a::b);
        assert!(as_path(&e).is_some() && as_ident(&e).is_none());
        let e: Expr = syn::parse_quote!([a, b]);
        assert_eq!(as_list(&e).len(), 2);
        let e: Expr = syn::parse_quote!(<T as X>::f);
        assert!(as_path(&e).is_none());
    }

    #[test]
    fn slots_reject_duplicates() {
        let cx = Ctxt::new();
        let mut slot = Slot::new(attr_names::SCOPES);
        let key: Ident = syn::parse_quote!(scopes);
        slot.set(&cx, attr_names::PROTECT, &key, 0, Some(1));
        slot.set(&cx, attr_names::PROTECT, &key, 1, Some(2));
        assert_eq!(slot.get(), Some(&1));
        let errors: Vec<String> = cx
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors[0].starts_with("duplicate key `scopes` in `#[protect]`"),
            "{errors:?}"
        );
    }
}
