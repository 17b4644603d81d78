//! Checks on the annotated item: an `async fn` without `self`, carrying no second `#[protect]`
//! or `#[public]`.

use proc_macro2::{Span, TokenStream};
use syn::{Attribute, FnArg, Item, ItemFn, Path};

use crate::attr_names::{self as names, Name};
use crate::ctxt::Ctxt;

/// Parses the annotated item as a fn, or reports that it is not one.
pub(crate) fn parse_fn(cx: &Ctxt, attr: Name, item: TokenStream) -> Option<ItemFn> {
    match syn::parse2::<ItemFn>(item.clone()) {
        Ok(f) => Some(f),
        Err(_) => {
            cx.error_at(
                item_keyword(item),
                format!(
                    "`#[{attr}]` applies to an axum handler, an `async fn`: write e.g. \
                     `#[{attr}] async fn handler(...) -> impl IntoResponse {{ .. }}`"
                ),
            );
            None
        }
    }
}

/// The output for an item that is not a fn: its errors (at least one: fail closed) and the
/// item as written, so the rest of the crate still sees it.
pub(crate) fn not_a_fn(cx: Ctxt, item: TokenStream) -> TokenStream {
    let errors = match cx.check() {
        Err(errors) => errors,
        Ok(()) => syn::Error::new(Span::call_site(), "authx: expected an `async fn` handler"),
    }
    .to_compile_error();
    quote::quote!(#errors #item)
}

/// The span of the keyword saying what kind of item this is (`struct`, `impl`...).
pub(crate) fn item_keyword(item: TokenStream) -> Span {
    let fallback = item
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span());
    let Ok(item) = syn::parse2::<Item>(item) else {
        return fallback;
    };
    match item {
        Item::Struct(i) => i.struct_token.span,
        Item::Enum(i) => i.enum_token.span,
        Item::Union(i) => i.union_token.span,
        Item::Impl(i) => i.impl_token.span,
        Item::Trait(i) => i.trait_token.span,
        Item::Mod(i) => i.mod_token.span,
        Item::Const(i) => i.const_token.span,
        Item::Static(i) => i.static_token.span,
        Item::Type(i) => i.type_token.span,
        Item::Use(i) => i.use_token.span,
        Item::Fn(i) => i.sig.fn_token.span,
        _ => fallback,
    }
}

/// What [`check_fn`] found out about the fn.
pub(crate) struct FnShape {
    /// The item carries another `#[protect]`/`#[public]`, which will generate the marker.
    pub(crate) has_sibling: bool,
    /// The fn takes `self` (it sits in an impl block, where no struct may be declared).
    pub(crate) has_receiver: bool,
}

/// Reports a fn that is not `async`, takes `self`, or carries another authx attribute.
pub(crate) fn check_fn(cx: &Ctxt, attr: Name, krate: &Path, f: &ItemFn) -> FnShape {
    let name = &f.sig.ident;
    if f.sig.asyncness.is_none() {
        cx.error_at(
            f.sig.fn_token.span,
            format!(
                "`#[{attr}]` handlers must be `async fn`s, as axum handlers are: write \
                 `async fn {name}(...)`"
            ),
        );
    }
    let mut has_receiver = false;
    for input in &f.sig.inputs {
        if let FnArg::Receiver(r) = input {
            has_receiver = true;
            cx.error_at(
                r.self_token.span,
                format!(
                    "`#[{attr}]` applies to free functions, not methods: an axum handler takes \
                     no `self`; move `{name}` out of the impl block and pass what it needs as \
                     extractors (e.g. `State(app): State<AppState>`)"
                ),
            );
        }
    }
    let mut has_sibling = false;
    for other in &f.attrs {
        let Some(other_name) = authx_attr(other, krate) else {
            continue;
        };
        has_sibling = true;
        let message = if other_name == attr {
            format!(
                "`#[{attr}]` is given twice on `{name}`: merge the two into one attribute, e.g. \
                 `#[{attr}({})]`",
                if attr == names::PROTECT {
                    r#"fresh, scopes = "admin:*""#
                } else {
                    r#"route = "GET /health""#
                }
            )
        } else {
            format!(
                "`#[{}]` and `#[{}]` on the same handler `{name}`: a handler is either protected \
                 or deliberately public; remove one of the two",
                names::PROTECT,
                names::PUBLIC
            )
        };
        cx.error_spanned_by(other, message);
    }
    FnShape {
        has_sibling,
        has_receiver,
    }
}

/// Is `attr` one of ours (`protect`, `public`, `authx::protect`, `my_authx::public`...)?
fn authx_attr(attr: &Attribute, krate: &Path) -> Option<Name> {
    let path = attr.path();
    let last = path.segments.last()?;
    let name = [names::PROTECT, names::PUBLIC]
        .into_iter()
        .find(|n| last.ident == *n)?;
    let n = path.segments.len();
    if n == 1 {
        return Some(name);
    }
    let parent = &path.segments[n - 2].ident;
    let crate_name = krate.segments.last().map(|s| &s.ident);
    (*parent == names::AUTHX || Some(parent) == crate_name).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(f: ItemFn, attr: Name) -> (FnShape, Vec<String>) {
        let cx = Ctxt::new();
        let shape = check_fn(&cx, attr, &syn::parse_quote!(::authx), &f);
        let errors = match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (shape, errors)
    }

    #[test]
    fn accepts_plain_async_fns() {
        let (s, e) = shape(
            syn::parse_quote!(
                async fn h(x: u8) {}
            ),
            names::PROTECT,
        );
        assert!(e.is_empty() && !s.has_sibling && !s.has_receiver);
        let (_, e) = shape(
            syn::parse_quote!(
                #[axum::debug_handler]
                #[other::protect]
                async fn h() {}
            ),
            names::PROTECT,
        );
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn reports_shape_and_siblings() {
        let (s, e) = shape(
            syn::parse_quote!(
                fn h(&self) {}
            ),
            names::PROTECT,
        );
        assert!(s.has_receiver);
        assert!(e[0].contains("must be `async fn`s"), "{e:?}");
        assert!(e[1].contains("not methods"), "{e:?}");
        let (s, e) = shape(
            syn::parse_quote!(
                #[authx::public]
                async fn h() {}
            ),
            names::PROTECT,
        );
        assert!(s.has_sibling);
        assert!(
            e[0].contains("either protected or deliberately public"),
            "{e:?}"
        );
        let (_, e) = shape(
            syn::parse_quote!(
                #[public]
                async fn h() {}
            ),
            names::PUBLIC,
        );
        assert!(e[0].contains("given twice"), "{e:?}");
    }
}
