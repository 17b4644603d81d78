//! `#[auth_subject]` output: the type unchanged, plus `AuthSubject` (verified claims to the
//! loaded subject), `FromRequestParts` (token verified, then `AuthSubject`) and
//! `OptionalFromRequestParts` (no token gives `None`).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path};

use super::validate::SubjectSpec;

/// The extractor impls. `loader` is `None` only in the fallback, whose body is never run.
pub(crate) fn impls(name: &Ident, spec: &SubjectSpec, loader: Option<&Path>) -> TokenStream {
    let krate = &spec.krate;
    let p = quote!(#krate::__private);
    let state_bound = spec
        .state
        .as_ref()
        .map(|t| quote!(#t: #p::axum::extract::FromRef<S>,));
    let state_arg = spec
        .state
        .as_ref()
        .map(|t| quote!(, <#t as #p::axum::extract::FromRef<S>>::from_ref(state)));
    let kind_check = spec
        .kind
        .as_ref()
        .map(|k| quote!(#p::check_kind(&claims, #k)?;));
    let body = match loader {
        Some(loader) => {
            // Spanned on the loader: a wrong return type is reported where it is named.
            let finish = quote_spanned!(loader.span()=> #p::finish(load.await));
            quote! {
                use #p::{ViaFuture as _, ViaReady as _};
                #kind_check
                // A sync loader returns its result, an async one a future: both are awaited.
                let load = {
                    let out =
                        #p::LoaderReturn::new(#loader(claims.sub.clone(), claims #state_arg));
                    (&out).take_load_future()
                };
                match load {
                    ::core::option::Option::Some(load) => #finish,
                    ::core::option::Option::None => ::core::result::Result::Err(
                        #krate::AuthError::Internal("subject loader ran twice".into()),
                    ),
                }
            }
        }
        None => quote! {
            // Only emitted next to a compile error: never runs.
            let _ = (claims, state);
            ::core::result::Result::Err(#krate::AuthError::Internal(
                "this #[auth_subject] failed to compile".into(),
            ))
        },
    };
    quote! {
        impl<S> #krate::AuthSubject<S> for #name
        where
            #krate::Auth: #p::axum::extract::FromRef<S>,
            S: ::core::marker::Send + ::core::marker::Sync,
            #state_bound
        {
            async fn from_claims(
                claims: #krate::Claims,
                state: &S,
            ) -> ::core::result::Result<Self, #krate::AuthError> {
                #body
            }
        }

        impl<S> #p::axum::extract::FromRequestParts<S> for #name
        where
            #krate::Auth: #p::axum::extract::FromRef<S>,
            S: ::core::marker::Send + ::core::marker::Sync,
            #state_bound
        {
            type Rejection = #p::Rejection;

            async fn from_request_parts(
                parts: &mut #p::http::request::Parts,
                state: &S,
            ) -> ::core::result::Result<Self, Self::Rejection> {
                #p::subject::<S, Self>(parts, state).await
            }
        }

        impl<S> #p::axum::extract::OptionalFromRequestParts<S> for #name
        where
            #krate::Auth: #p::axum::extract::FromRef<S>,
            S: ::core::marker::Send + ::core::marker::Sync,
            #state_bound
        {
            type Rejection = #p::Rejection;

            /// No token: `None`. A bad token, or a good one whose subject is gone: the error.
            async fn from_request_parts(
                parts: &mut #p::http::request::Parts,
                state: &S,
            ) -> ::core::result::Result<::core::option::Option<Self>, Self::Rejection> {
                #p::optional_subject::<S, Self>(parts, state).await
            }
        }
    }
}
