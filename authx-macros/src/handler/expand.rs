//! The items generated next to a handler: its marker type, the `Mountable` impl when a route
//! is named, and its registry entry.

use authx_spec::RouteSpec;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Ident, ItemFn, Path};

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
            #krate::__private::RouteEntry {
                handler: #handler,
                module: ::core::module_path!(),
                file: ::core::file!(),
                line: #line,
                route: #route,
                decision: #decision,
            }
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
/// handler answer with the `RateLimit-*` headers: the body moves into an inner fn of the same
/// signature, and the outer fn (the handler axum sees) adds the guard's decision to whatever the
/// inner one returns. The handler then returns `Response`.
pub(crate) fn guard_handler(
    krate: &Path,
    mut f: ItemFn,
    guard: TokenStream,
    rate_headers: bool,
) -> ItemFn {
    let p = quote!(#krate::__private);
    if !rate_headers {
        let arg: syn::FnArg = syn::parse_quote!(_: #guard);
        f.sig.inputs.insert(0, arg);
        return f;
    }
    let mut inner = f.clone();
    inner
        .attrs
        .retain(|a| a.path().is_ident("allow") || a.path().is_ident("expect"));
    inner.vis = syn::Visibility::Inherited;
    inner.sig.ident = Ident::new("__authx_inner", f.sig.ident.span());
    let mut outer_args = Vec::new();
    let mut call_args = Vec::new();
    for (i, arg) in f.sig.inputs.iter().enumerate() {
        if let syn::FnArg::Typed(pt) = arg {
            let ident = format_ident!("__authx_arg{i}");
            let ty = &pt.ty;
            outer_args.push(quote!(#ident: #ty));
            call_args.push(quote!(#ident));
        }
    }
    let turbofish = {
        let params: Vec<_> = f
            .sig
            .generics
            .params
            .iter()
            .filter_map(|g| match g {
                syn::GenericParam::Type(t) => Some(t.ident.clone()),
                syn::GenericParam::Const(c) => Some(c.ident.clone()),
                syn::GenericParam::Lifetime(_) => None,
            })
            .collect();
        if params.is_empty() {
            quote!()
        } else {
            quote!(::<#(#params),*>)
        }
    };
    let attrs = &f.attrs;
    let vis = &f.vis;
    let name = &f.sig.ident;
    let generics = &f.sig.generics;
    let where_clause = &f.sig.generics.where_clause;
    let tokens = quote! {
        #(#attrs)*
        #vis async fn #name #generics (
            __authx_guard: #guard,
            #(#outer_args),*
        ) -> #p::axum::response::Response #where_clause {
            #inner
            let __authx_rate = __authx_guard.rate();
            #p::with_rate_headers(__authx_inner #turbofish (#(#call_args),*).await, __authx_rate)
        }
    };
    syn::parse2(tokens).unwrap_or(f)
}

/// A `RateRule` value.
pub(crate) fn rate_rule_value(krate: &Path, rate: &Rate) -> TokenStream {
    let count = Literal::u32_unsuffixed(rate.spec.count);
    let window_ms = Literal::u64_unsuffixed(rate.spec.window_millis());
    let key = match &rate.key {
        RateKeyArg::Ip => quote!(#krate::__private::RateKeyRule::Ip),
        RateKeyArg::Subject => quote!(#krate::__private::RateKeyRule::Subject),
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
