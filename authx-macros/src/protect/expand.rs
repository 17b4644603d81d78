//! `#[protect]` output: the marker with its `Rules`, the `Mountable` impl, the registry entry
//! and the handler with its guard as first argument.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use super::validate::Requirements;
use crate::handler::expand::{
    fallback, guard_handler, marker, mountable, path_string, rate_rule, registry_entry,
};

pub(crate) fn expand(f: ItemFn, req: &Requirements) -> TokenStream {
    let krate = &req.common.krate;
    let name = f.sig.ident.clone();
    let p = quote!(#krate::__private);

    let token_type = if req.refresh {
        format_ident!("Refresh")
    } else {
        format_ident!("Access")
    };
    let fresh = req.fresh;
    let step_up = if req.max_age.is_some() || !req.acr.is_empty() {
        let max_age = match req.max_age {
            Some(secs) => quote!(::core::option::Option::Some(#secs)),
            None => quote!(::core::option::Option::None),
        };
        let acr = req.acr.iter().map(|s| Literal::string(s));
        quote!(.__with_step_up(#max_age, &[#(#acr),*]))
    } else {
        quote!()
    };
    let dpop = if req.dpop {
        quote!(.__with_dpop())
    } else {
        quote!()
    };
    // Bearer tokens only is the default `Rules::__from_macro` builds.
    let credentials = match (req.credentials.bearer, req.credentials.api_key) {
        (false, true) => quote!(.__with_credentials(#p::Credentials::API_KEY)),
        (true, true) => quote!(.__with_credentials(#p::Credentials::ANY)),
        _ => quote!(),
    };
    let scopes = req.scopes.iter().map(|s| Literal::string(s));
    let scope_mode = if req.any {
        format_ident!("Any")
    } else {
        format_ident!("All")
    };
    let locations = match &req.locations {
        Some(variants) => {
            let variants = variants.iter().map(|v| format_ident!("{v}"));
            quote!(::core::option::Option::Some(&[#(#p::TokenLocation::#variants),*]))
        }
        None => quote!(::core::option::Option::None),
    };
    let csrf = req.csrf;
    let verify_type = req.verify_type;
    let kind = match &req.kind {
        Some(k) => quote!(::core::option::Option::Some(#k)),
        None => quote!(::core::option::Option::None),
    };
    let rate = rate_rule(krate, req.common.rate.as_ref());
    let (policy_fn, policy) = match &req.policy {
        Some(path) => {
            let label = path_string(path);
            // Spanned on the path: a policy of the wrong shape is reported where it is named.
            let decide = quote_spanned! {path.span()=>
                #p::PolicyDecision::from(#path(claims, parts).await)
            };
            (
                quote! {
                    fn __authx_policy<'a>(
                        claims: &'a #krate::Claims,
                        parts: &'a #p::http::request::Parts,
                    ) -> #p::BoxFuture<'a, #p::PolicyDecision> {
                        ::std::boxed::Box::pin(async move { #decide })
                    }
                },
                quote! {
                    ::core::option::Option::Some((#label, __authx_policy as #p::PolicyFn))
                },
            )
        }
        None => (quote!(), quote!(::core::option::Option::None)),
    };

    let marker = marker(&f);
    let mountable = req
        .common
        .route
        .as_ref()
        .map(|r| mountable(krate, &name, r));
    let entry = registry_entry(
        krate,
        &name,
        req.common.route.as_ref(),
        quote!(#p::Decision::Protected(<#name as #p::RouteRules>::RULES)),
    );

    // The guard goes first: it runs before every other extractor, so nothing is parsed or
    // loaded for a request that is refused.
    let f = match guard_handler(
        krate,
        f.clone(),
        quote!(#p::Guard<#name>),
        req.common.rate.is_some(),
    ) {
        Ok(guarded) => guarded,
        Err(e) => return fallback(e, krate, &f, true, req.common.route.as_ref()),
    };

    quote! {
        #marker

        impl #p::RouteRules for #name {
            const RULES: &'static #p::Rules = {
                #policy_fn
                &#p::Rules::__from_macro(
                    #p::TokenType::#token_type,
                    #fresh,
                    &[#(#scopes),*],
                    #p::ScopeMode::#scope_mode,
                    #locations,
                    #csrf,
                    #verify_type,
                    #rate,
                    #policy,
                    #kind,
                )
                #step_up
                #dpop
                #credentials
            };
        }

        #mountable

        #entry

        #f
    }
}
