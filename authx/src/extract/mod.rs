//! Extractors: verified claims for handlers.
//!
//! | extractor | yields | refuses |
//! |---|---|---|
//! | [`Claims<E>`](crate::Claims) | the token the route's guard verified, else a valid access token | no token, bad token, refresh token, revoked |
//! | [`FreshClaims<E>`] | a fresh access token | as `Claims`, and a non-fresh token |
//! | [`RefreshClaims<E>`] | a refresh token | no token, bad token, access token, revoked |
//! | `Option<_>` of each | `None` when there is no token at all | a token that is present but bad |
//!
//! Each needs [`Auth`] reachable from the router state (`Auth: FromRef<S>`).
//! Verification runs once per request: the verified claims are cached in the request's
//! extensions and every later extractor (and `#[auth_subject]` types) reuses them. `E` is the
//! type of the extra data (default: a JSON object).

pub(crate) mod cache;
pub(crate) mod locate;
mod request_token;
mod session_meta;

use std::any::Any;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use serde::de::DeserializeOwned;

pub use request_token::{RequestToken, VerifyOptions};
pub use session_meta::SessionMeta;

use crate::Auth;
use crate::error::{AuthError, DecodeFailure};
use crate::token::{Claims, Extra, TokenType};

/// Converts cached claims to the handler's extra-data type: a clone for the default type, a
/// deserialization otherwise.
pub(crate) fn typed<E: DeserializeOwned + 'static>(
    claims: &Claims,
) -> Result<Claims<E>, AuthError> {
    let boxed: Box<dyn Any> = Box::new(claims.clone());
    match boxed.downcast::<Claims<E>>() {
        Ok(same) => Ok(*same),
        Err(_) => {
            let extra = E::deserialize(serde_json::Value::Object(claims.extra.clone()))
                .map_err(|_| AuthError::Decode(DecodeFailure::Malformed))?;
            Ok(claims.clone().map_extra(|_: Extra| extra))
        }
    }
}

/// Plain `Claims`: the type a guard verified, else an access token.
pub(crate) async fn plain(parts: &mut Parts, auth: &Auth) -> Result<Arc<Claims>, AuthError> {
    match cache::guarded(parts) {
        Some(claims) => Ok(claims),
        None => auth.request_claims(parts, TokenType::Access).await,
    }
}

fn none_if_missing<T>(r: Result<T, AuthError>) -> Result<Option<T>, AuthError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AuthError::MissingToken) => Ok(None),
        Err(e) => Err(e),
    }
}

impl<S, E> FromRequestParts<S> for Claims<E>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    E: DeserializeOwned + Send + 'static,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        typed(&*plain(parts, &auth).await?)
    }
}

impl<S, E> OptionalFromRequestParts<S> for Claims<E>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    E: DeserializeOwned + Send + 'static,
{
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let auth = Auth::from_ref(state);
        none_if_missing(plain(parts, &auth).await)?
            .map(|c| typed(&c))
            .transpose()
    }
}

macro_rules! claims_newtype {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name<E = Extra>(pub Claims<E>);

        impl<E> Deref for $name<E> {
            type Target = Claims<E>;
            fn deref(&self) -> &Claims<E> {
                &self.0
            }
        }

        impl<E> $name<E> {
            /// The claims.
            pub fn into_inner(self) -> Claims<E> {
                self.0
            }
        }

        impl<S, E> FromRequestParts<S> for $name<E>
        where
            Auth: FromRef<S>,
            S: Send + Sync,
            E: DeserializeOwned + Send + 'static,
        {
            type Rejection = AuthError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
                let auth = Auth::from_ref(state);
                let claims = $check(parts, &auth).await?;
                Ok($name(typed(&claims)?))
            }
        }

        impl<S, E> OptionalFromRequestParts<S> for $name<E>
        where
            Auth: FromRef<S>,
            S: Send + Sync,
            E: DeserializeOwned + Send + 'static,
        {
            type Rejection = AuthError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Self::Rejection> {
                let auth = Auth::from_ref(state);
                match none_if_missing($check(parts, &auth).await)? {
                    Some(c) => Ok(Some($name(typed(&c)?))),
                    None => Ok(None),
                }
            }
        }
    };
}

type ClaimsFuture<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Arc<Claims>, AuthError>> + Send + 'a>,
>;

fn fresh<'a>(parts: &'a mut Parts, auth: &'a Auth) -> ClaimsFuture<'a> {
    Box::pin(async move {
        let claims = auth.request_claims(parts, TokenType::Access).await?;
        if claims.fresh {
            Ok(claims)
        } else {
            Err(AuthError::FreshTokenRequired)
        }
    })
}

fn refresh<'a>(parts: &'a mut Parts, auth: &'a Auth) -> ClaimsFuture<'a> {
    Box::pin(auth.request_claims(parts, TokenType::Refresh))
}

claims_newtype!(
    /// A fresh access token's claims (AuthX's `FRESH_REQUIRED`): issued by a login, not a
    /// refresh. Guard password changes and payments with it.
    FreshClaims,
    fresh
);

claims_newtype!(
    /// A refresh token's claims (AuthX's `REFRESH_REQUIRED`), for the route that issues new
    /// access tokens. Cookie-borne refresh tokens are read from `refresh_token_cookie` and need
    /// the CSRF header on unsafe methods.
    RefreshClaims,
    refresh
);
