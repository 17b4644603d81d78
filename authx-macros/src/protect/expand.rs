//! `#[protect]` output: the marker with its `Rules`, the `Mountable` impl, the registry entry
//! and the handler with its guard as first argument.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use super::validate::{AuthzRoute, Requirements};
use super::{acr_values, manifest};
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
    let amr = if req.amr.is_empty() {
        quote!()
    } else {
        let amr = req.amr.iter().map(|s| Literal::string(s));
        quote!(.__with_amr(&[#(#amr),*]))
    };
    let acr_declaration = acr_declaration(req);
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

    let (action, resource_impl) = match &req.authz {
        Some(authz) => {
            let a = &authz.action;
            (
                quote!(.__with_action(#a)),
                resource_impl(krate, &name, authz),
            )
        }
        None => (quote!(), quote!()),
    };
    let guard = if req.authz.is_some() {
        quote!(#p::AuthzGuard<#name>)
    } else {
        quote!(#p::Guard<#name>)
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
    let f = match guard_handler(krate, f.clone(), guard, req.common.rate.is_some()) {
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
                #amr
                #dpop
                #credentials
                #action
            };
        }

        #resource_impl

        #acr_declaration

        #mountable

        #entry

        #f
    }
}

/// For a route with `acr`, which was checked against the crate's declared acr values: declaring
/// them (the variable, or the manifest's `[package.metadata.authx]`) recompiles the crate, and
/// the values are checked again.
fn acr_declaration(req: &Requirements) -> TokenStream {
    if req.acr.is_empty() {
        return quote!();
    }
    let env = acr_values::ENV;
    let manifest = manifest::path().map(|path| {
        let path = path.display().to_string();
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    });
    quote! {
        const _: ::core::option::Option<&str> = ::core::option_env!(#env);
        #manifest
    }
}

/// `RouteResource` for the marker: the loader run with the router state (or the part of it
/// `state = T` names), and the principal (`principal = T`, an `#[auth_subject]` type).
fn resource_impl(krate: &syn::Path, name: &syn::Ident, authz: &AuthzRoute) -> TokenStream {
    let p = quote!(#krate::__private);
    let schema = &authz.schema;
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .map(|dir| format!("{dir}/Cargo.toml"))
        .unwrap_or_else(|_| schema.clone());
    let resource = &authz.resource;
    // Spanned on the loader: a loader of the wrong shape is reported where it is named. The
    // state is named: with `state = T`, the bound `T: FromRef<__S>` would otherwise lead
    // inference to run a loader's `State<T>` against `__S`.
    let (state_bound, load) = match &authz.state {
        Some(state) => (
            quote!(#state: #p::axum::extract::FromRef<__S> + ::core::marker::Send + ::core::marker::Sync + 'static,),
            quote_spanned! {resource.span()=>
                ::std::boxed::Box::pin(async move {
                    let state = <#state as #p::axum::extract::FromRef<__S>>::from_ref(state);
                    #p::load_erased::<#state, _, _>(#resource, parts, &state).await
                })
            },
        ),
        None => (
            quote!(),
            quote_spanned! {resource.span()=>
                #p::load_erased::<__S, _, _>(#resource, parts, state)
            },
        ),
    };
    let (principal_bound, principal) = match &authz.principal {
        Some(ty) => (
            quote_spanned! {ty.span()=>
                #ty: #krate::AuthSubject<__S>,
            },
            {
                // Spanned on the type: one that is no `AuthzEntity` is reported where it is
                // named.
                let call = quote_spanned! {ty.span()=>
                    #p::subject_principal::<__S, #ty>(claims, state)
                };
                quote! {
                    fn principal<'a>(
                        claims: &'a #krate::Claims,
                        state: &'a __S,
                    ) -> #p::AuthzFuture<'a, ::core::result::Result<#krate::authz::Principal, #krate::AuthError>> {
                        #call
                    }
                }
            },
        ),
        None => (quote!(), quote!()),
    };
    quote! {
        // Editing the schema, or naming another one (the variable, or the manifest's
        // `[package.metadata.authx]`), recompiles the crate, and the action is checked again.
        const _: &[u8] = ::core::include_bytes!(#schema);
        const _: ::core::option::Option<&str> = ::core::option_env!("AUTHX_CEDAR_SCHEMA");
        const _: &[u8] = ::core::include_bytes!(#manifest);

        impl<__S> #p::RouteResource<__S> for #name
        where
            __S: ::core::marker::Send + ::core::marker::Sync + 'static,
            #state_bound
            #principal_bound
        {
            fn load<'a>(
                parts: &'a mut #p::http::request::Parts,
                state: &'a __S,
            ) -> #p::AuthzFuture<'a, #p::LoadResult> {
                #load
            }

            #principal
        }
    }
}
