//! Values: a flag or `key = value`, and the kind of an expression (string, bool, path, list).

use syn::{Expr, ExprLit, Ident, Lit, LitBool, LitStr, Path};

use super::list::{Arg, Value};
use crate::attr_names::Name;
use crate::ctxt::Ctxt;

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
#[path = "value_tests.rs"]
mod tests;
