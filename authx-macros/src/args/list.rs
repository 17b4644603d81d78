//! The list itself: `key` or `key = value` entries between commas, parsed past every mistake.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Token, Type};

use crate::attr_names::Name;
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
        input.parse().map(Value::Type).map_err(|e| {
            let what = if input.peek(syn::Lit) {
                "not a literal"
            } else {
                "not an expression"
            };
            syn::Error::new(
                e.span(),
                format!("`{key}` takes a type, {what}: write e.g. `{key} = MyType`"),
            )
        })
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

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;
