//! Extractors: verified claims for handlers.
//!
//! | extractor | yields | refuses |
//! |---|---|---|
//! | [`Claims<E>`](crate::Claims) | the token the route's guard verified, else a valid access token | no token, bad token, refresh token, revoked |
//! | [`FreshClaims<E>`] | a fresh access token | as `Claims`, and a non-fresh token |
//! | [`RefreshClaims<E>`] | a refresh token | no token, bad token, access token, revoked |
//! | [`Principal`] | who the request acts for and with which credential (a bearer token or an API key) | as `Claims`; an API key is taken too |
//! | `Option<_>` of each | `None` when there is no token at all | a token that is present but bad |
//!
//! Each needs [`Auth`] reachable from the router state (`Auth: FromRef<S>`).
//! Verification runs once per request: the verified claims are cached in the request's
//! extensions and every later extractor (and `#[auth_subject]` types) reuses them. `E` is the
//! type of the extra data (default: a JSON object).

use std::any::Any;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use serde::de::DeserializeOwned;

mod principal;
mod rejection;

pub use crate::request::{RequestToken, SessionMeta, VerifyOptions};
pub use crate::token::{FreshClaims, RefreshClaims};
pub use principal::{Credential, Principal};
pub use rejection::Rejection;

use crate::Auth;
use crate::error::{AuthError, DecodeFailure};
use crate::guard::Rules;
use crate::token::{Claims, Extra};

/// Converts cached claims to the handler's extra-data type: a clone for the default type, a
/// deserialization otherwise.
pub(crate) fn typed<E: DeserializeOwned + 'static>(
    claims: &Claims,
) -> Result<Claims<E>, AuthError> {
    // The default type: a clone, moved out through `Any` on the stack (no box).
    let mut same = Some(claims.clone());
    if let Some(slot) = (&mut same as &mut dyn Any).downcast_mut::<Option<Claims<E>>>()
        && let Some(claims) = slot.take()
    {
        return Ok(claims);
    }
    let claims = same.unwrap_or_else(|| claims.clone());
    let extra = E::deserialize(serde_json::Value::Object(claims.extra.clone()))
        .map_err(|_| AuthError::Decode(DecodeFailure::Malformed))?;
    Ok(claims.map_extra(|_: Extra| extra))
}

/// Plain `Claims`: the type a guard verified, else an access token.
pub(crate) async fn plain(parts: &mut Parts, auth: &Auth) -> Result<Arc<Claims>, AuthError> {
    match crate::request::cache::guarded(parts) {
        Some(claims) => Ok(claims),
        None => auth.request_claims(parts, &Rules::ACCESS).await,
    }
}

/// An extractor's answer: `None` for no token at all (its `Option` form), the rest as is.
pub(crate) fn none_if_missing<T>(r: Result<T, AuthError>) -> Result<Option<T>, AuthError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AuthError::MissingToken) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `error`, rendered by the engine in the state.
fn reject(auth: &Auth) -> impl Fn(AuthError) -> Rejection + '_ {
    move |error| Rejection::new(auth, error)
}

impl<S, E> FromRequestParts<S> for Claims<E>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    E: DeserializeOwned + Send + 'static,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let claims = plain(parts, &auth).await.map_err(reject(&auth))?;
        typed(&claims).map_err(reject(&auth))
    }
}

impl<S, E> OptionalFromRequestParts<S> for Claims<E>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    E: DeserializeOwned + Send + 'static,
{
    type Rejection = Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let auth = Auth::from_ref(state);
        none_if_missing(plain(parts, &auth).await)
            .and_then(|c| c.map(|c| typed(&c)).transpose())
            .map_err(reject(&auth))
    }
}

macro_rules! claims_extractor {
    ($name:ident, $check:expr) => {
        impl<S, E> FromRequestParts<S> for $name<E>
        where
            Auth: FromRef<S>,
            S: Send + Sync,
            E: DeserializeOwned + Send + 'static,
        {
            type Rejection = Rejection;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let auth = Auth::from_ref(state);
                let claims = $check(parts, &auth).await.map_err(reject(&auth))?;
                Ok($name(typed(&claims).map_err(reject(&auth))?))
            }
        }

        impl<S, E> OptionalFromRequestParts<S> for $name<E>
        where
            Auth: FromRef<S>,
            S: Send + Sync,
            E: DeserializeOwned + Send + 'static,
        {
            type Rejection = Rejection;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Option<Self>, Self::Rejection> {
                let auth = Auth::from_ref(state);
                none_if_missing($check(parts, &auth).await)
                    .and_then(|c| c.map(|c| typed(&c).map($name)).transpose())
                    .map_err(reject(&auth))
            }
        }
    };
}

type ClaimsFuture<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Arc<Claims>, AuthError>> + Send + 'a>,
>;

fn fresh<'a>(parts: &'a mut Parts, auth: &'a Auth) -> ClaimsFuture<'a> {
    Box::pin(auth.request_claims(parts, &Rules::FRESH))
}

fn refresh<'a>(parts: &'a mut Parts, auth: &'a Auth) -> ClaimsFuture<'a> {
    Box::pin(auth.request_claims(parts, &Rules::REFRESH))
}

claims_extractor!(FreshClaims, fresh);

claims_extractor!(RefreshClaims, refresh);

impl<S> FromRequestParts<S> for SessionMeta
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Auth::from_ref(state).sessions().meta(parts))
    }
}
