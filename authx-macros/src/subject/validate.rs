//! `#[auth_subject(...)]` semantics: a loader is required, the type is not generic.

use proc_macro2::Span;
use syn::{Path, Type};

use super::parse::{Subject, SubjectArgs};
use crate::ctxt::Ctxt;

/// A valid `#[auth_subject]`.
pub(crate) struct SubjectSpec {
    pub(crate) krate: Path,
    pub(crate) loader: Option<Path>,
    pub(crate) state: Option<Type>,
    /// Only tokens of this user kind load this type.
    pub(crate) kind: Option<String>,
}

pub(crate) fn validate(cx: &Ctxt, args: &SubjectArgs, subject: Option<&Subject>) -> SubjectSpec {
    if !args.loader.is_set() {
        cx.error_at(
            Span::call_site(),
            "missing `loader`: `#[auth_subject]` needs the fn that loads your type from a \
             verified token; write e.g. `#[auth_subject(loader = load_user)]` with \
             `async fn load_user(sub: String, claims: Claims) -> Result<Option<User>, E>`",
        );
    }
    if let Some(s) = subject
        && (s.generics.lt_token.is_some() || s.generics.where_clause.is_some())
    {
        cx.error_spanned_by(
            &s.generics,
            format!(
                "`#[auth_subject]` does not support generic types: the loader returns one \
                 concrete type and the generated extractor names it; make `{}` concrete, e.g. \
                 `struct User {{ id: u64 }}` (wrap a generic type in a concrete one)",
                s.ident
            ),
        );
    }
    SubjectSpec {
        krate: args
            .krate
            .get()
            .cloned()
            .unwrap_or_else(|| syn::parse_quote!(::authx)),
        loader: args.loader.get().cloned(),
        state: args.state.get().cloned(),
        kind: args.kind.get().map(|l| l.value()),
    }
}
