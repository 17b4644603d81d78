//! `#[auth_subject(...)]` arguments as written, and the annotated item.

use proc_macro2::TokenStream;
use syn::{Generics, Ident, Item, LitStr, Path, Type};

use crate::args::{self, Slot, Value};
use crate::attr_names::{self as names, AUTH_SUBJECT};
use crate::ctxt::Ctxt;
use crate::handler::check::item_keyword;

/// The arguments of one `#[auth_subject(...)]`.
pub(crate) struct SubjectArgs {
    pub(crate) loader: Slot<Path>,
    pub(crate) state: Slot<Type>,
    pub(crate) kind: Slot<LitStr>,
    pub(crate) krate: Slot<Path>,
}

/// The annotated type: a struct or an enum.
pub(crate) struct Subject {
    pub(crate) ident: Ident,
    pub(crate) generics: Generics,
}

const EXAMPLE: &str = "#[auth_subject(loader = load_user)]";

pub(crate) fn parse(cx: &Ctxt, tokens: TokenStream) -> SubjectArgs {
    let mut out = SubjectArgs {
        loader: Slot::new(names::LOADER),
        state: Slot::new(names::STATE),
        kind: Slot::new(names::KIND),
        krate: Slot::new(names::CRATE),
    };
    for (index, arg) in args::parse(cx, tokens, &[names::STATE]).iter().enumerate() {
        let key = &arg.key;
        if *key == names::LOADER {
            let value = args::expr(cx, arg, "loader = load_user").and_then(|e| {
                let path = args::as_path(e);
                if path.is_none() {
                    let what = if args::as_lit_str(e).is_some() {
                        "not a string"
                    } else {
                        "not another expression"
                    };
                    cx.error_spanned_by(
                        e,
                        format!(
                            "`loader` takes the path of a fn, {what}: write e.g. \
                             `loader = load_user` or `loader = crate::users::load`"
                        ),
                    );
                }
                path.cloned()
            });
            out.loader.set(cx, AUTH_SUBJECT, key, index, value);
        } else if *key == names::STATE {
            let value = match &arg.value {
                Some(Value::Type(t)) => Some(t.clone()),
                _ => {
                    cx.error_at(
                        key.span(),
                        "`state` needs a type, the part of the router state the loader takes \
                         as its third argument: write e.g. `state = Db`",
                    );
                    None
                }
            };
            out.state.set(cx, AUTH_SUBJECT, key, index, value);
        } else if *key == names::KIND {
            let value = args::kind(cx, arg);
            out.kind.set(cx, AUTH_SUBJECT, key, index, value);
        } else if *key == names::CRATE {
            let value = args::expr(cx, arg, "crate = my_authx").and_then(|e| {
                let path = args::as_path(e);
                if path.is_none() {
                    cx.error_spanned_by(
                        e,
                        "`crate` takes the path of the authx crate (when it is renamed or \
                         re-exported): write e.g. `crate = my_authx`",
                    );
                }
                path.cloned()
            });
            out.krate.set(cx, AUTH_SUBJECT, key, index, value);
        } else {
            args::unknown_key(cx, AUTH_SUBJECT, key, names::AUTH_SUBJECT_KEYS, EXAMPLE);
        }
    }
    out
}

/// The struct or enum, or an error for any other item.
pub(crate) fn parse_item(cx: &Ctxt, item: TokenStream) -> Option<Subject> {
    let what = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Struct(s)) => {
            return Some(Subject {
                ident: s.ident,
                generics: s.generics,
            });
        }
        Ok(Item::Enum(e)) => {
            return Some(Subject {
                ident: e.ident,
                generics: e.generics,
            });
        }
        Ok(Item::Fn(_)) => "a fn (to guard a handler, use `#[protect]`)",
        Ok(Item::Union(_)) => "a union",
        Ok(Item::Impl(_)) => "an impl block",
        Ok(Item::Trait(_)) => "a trait",
        Ok(Item::Type(_)) => "a type alias",
        _ => "this item",
    };
    cx.error_at(
        item_keyword(item),
        format!(
            "`#[auth_subject]` applies to a struct or an enum (your user type), not to {what}; \
             write e.g. `{EXAMPLE} struct User {{ id: u64 }}`"
        ),
    );
    None
}
