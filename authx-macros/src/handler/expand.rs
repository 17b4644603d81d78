//! The items generated next to a handler: its marker type, the `Mountable` impl when a route
//! is named, and its registry entry.

use authx_spec::RouteSpec;
use proc_macro2::{Literal, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Block, Ident, ItemFn, Path, ReturnType, Type};

use super::Rate;
use crate::spec::RateKeyArg;

/// `pub struct handler {}`: a braced struct lives in the type namespace only, so it shares the
/// handler's name without clashing with the fn. `routes![handler]` finds both through one path.
pub(crate) fn marker(f: &ItemFn) -> TokenStream {
    let vis = &f.vis;
    let name = &f.sig.ident;
    let doc = format!(
        "authx marker of the handler `{}`: its rules and route.",
        name.unraw()
    );
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}
    }
}

/// `impl Mountable`, so `routes!` can mount the handler at its declared method and path.
pub(crate) fn mountable(krate: &Path, name: &Ident, route: &RouteSpec) -> TokenStream {
    let method = format_ident!("{}", route.method);
    let path = &route.path;
    quote! {
        impl #krate::__private::Mountable for #name {
            const METHOD: #krate::__private::axum::routing::MethodFilter =
                #krate::__private::axum::routing::MethodFilter::#method;
            const PATH: &'static str = #path;
        }
    }
}

/// The registry entry (`inventory::submit!`), with `decision` as its `Decision`.
pub(crate) fn registry_entry(
    krate: &Path,
    name: &Ident,
    route: Option<&RouteSpec>,
    decision: TokenStream,
) -> TokenStream {
    let handler = name.unraw().to_string();
    let line = Literal::u32_unsuffixed(u32::try_from(name.span().start().line).unwrap_or(0));
    let route = match route {
        Some(r) => {
            let r = r.to_string();
            quote!(::core::option::Option::Some(#r))
        }
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #krate::__private::inventory::submit! {
            #krate::__private::RouteEntry::__from_macro(
                #handler,
                ::core::module_path!(),
                ::core::file!(),
                #line,
                #route,
                #decision,
            )
        }
    }
}

/// `Option<RateRule>`.
pub(crate) fn rate_rule(krate: &Path, rate: Option<&Rate>) -> TokenStream {
    match rate {
        Some(rate) => {
            let rule = rate_rule_value(krate, rate);
            quote!(::core::option::Option::Some(#rule))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// Inserts the guard as the handler's first argument. With a rate limit, also makes the
/// handler answer with the `RateLimit-*` headers: the body runs as an `async move` block (so
/// its `return`s and `?`s keep their meaning) and the guard's decision is added to whatever it
/// returns. The handler then returns `Response`.
///
/// Only the signature and the block change: the fn's attributes, outer and inner
/// (`#![allow(..)]` stays at the top of the body), its name, generics and argument patterns are
/// the user's, so `#[tracing::instrument]`, `#[axum::debug_handler]`, `#[cfg_attr]` and docs
/// see the handler as written plus the guard.
///
/// Fails closed: the only output is the guarded fn. An error is reported by the caller as a
/// `compile_error!`; no path hands back the fn without its guard.
pub(crate) fn guard_handler(
    krate: &Path,
    mut f: ItemFn,
    guard: TokenStream,
    rate_headers: bool,
) -> syn::Result<ItemFn> {
    let guard_ty: Type = syn::parse2(guard)?;
    if !rate_headers {
        f.sig.inputs.insert(0, syn::parse_quote!(_: #guard_ty));
        return Ok(f);
    }
    let p = quote!(#krate::__private);
    f.sig
        .inputs
        .insert(0, syn::parse_quote!(__authx_guard: #guard_ty));
    // The body's own type, written out when it can be (a `?` in the body needs it); an
    // `impl Trait` cannot be named in a `let`, and is inferred instead.
    let annotation = match &f.sig.output {
        ReturnType::Default => quote!(: ()),
        ReturnType::Type(_, ty) if !mentions_impl(quote!(#ty)) => quote!(: #ty),
        ReturnType::Type(..) => quote!(),
    };
    f.sig.output = syn::parse2(quote!(-> #p::axum::response::Response))?;
    let body = &f.block;
    let block: Block = syn::parse2(quote!({
        let __authx_rate = __authx_guard.rate();
        let __authx_out #annotation = async move #body.await;
        #p::with_rate_headers(__authx_out, __authx_rate)
    }))?;
    f.block = Box::new(block);
    Ok(f)
}

/// Does the type contain `impl` (an `impl Trait`, possibly nested as `Result<impl T, E>`)?
fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "impl",
        TokenTree::Group(g) => mentions_impl(g.stream()),
        _ => false,
    })
}

/// A `RateRule` value.
pub(crate) fn rate_rule_value(krate: &Path, rate: &Rate) -> TokenStream {
    let count = Literal::u32_unsuffixed(rate.spec.count);
    let window_ms = Literal::u64_unsuffixed(rate.spec.window_millis());
    let key = match &rate.key {
        RateKeyArg::Ip => quote!(#krate::__private::RateKeyRule::Ip),
        RateKeyArg::Subject => quote!(#krate::__private::RateKeyRule::Subject),
        RateKeyArg::ApiKey => quote!(#krate::__private::RateKeyRule::ApiKey),
        RateKeyArg::Custom(path) => {
            let name = path_string(path);
            quote! {
                #krate::__private::RateKeyRule::Custom { name: #name, key: #path }
            }
        }
    };
    quote! {
        #krate::__private::RateRule {
            count: #count,
            window_ms: #window_ms,
            key: #key,
        }
    }
}

/// `a::b::c` as written, without the spaces `quote` puts around `::`.
pub(crate) fn path_string(path: &Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

/// The output when the attribute has errors: every error, the user's fn unchanged (so the rest
/// of the crate still sees it) and, unless that would itself fail, the marker and the
/// `Mountable` impl, so `routes!` reports nothing more.
pub(crate) fn fallback(
    errors: syn::Error,
    krate: &Path,
    f: &ItemFn,
    with_marker: bool,
    route: Option<&RouteSpec>,
) -> TokenStream {
    let errors = errors.to_compile_error();
    let marker = with_marker.then(|| marker(f));
    let mountable = with_marker
        .then_some(route)
        .flatten()
        .map(|r| mountable(krate, &f.sig.ident, r));
    quote! {
        #errors
        #marker
        #mountable
        #f
    }
}
