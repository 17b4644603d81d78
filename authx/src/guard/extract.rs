//! The extractors the macros insert: [`Guard`] (`#[protect]`) and [`PublicGuard`]
//! (`#[public(rate)]`), and the helpers their generated code calls. Macro plumbing: reached
//! through `authx::__private`, not a public API.

use std::fmt;
use std::marker::PhantomData;

use axum::extract::{FromRef, FromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use super::{RateRule, Rules};
use crate::Auth;
use crate::auth::Check;
use crate::error::AuthError;
use crate::rate::RateDecision;
use crate::token::Claims;

/// Ties a generated marker type to its route's [`Rules`].
pub trait RouteRules: Send + Sync + 'static {
    /// The rules.
    const RULES: &'static Rules;
}

/// The extractor `#[protect]` inserts as a handler's first argument. Enforces `R::RULES`.
pub struct Guard<R> {
    rate: Option<RateDecision>,
    _rules: PhantomData<fn() -> R>,
}

impl<R> Guard<R> {
    /// The rate decision, when the route has a rate limit (for the `RateLimit-*` headers).
    pub fn rate(&self) -> Option<RateDecision> {
        self.rate
    }
}

impl<R> fmt::Debug for Guard<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard").field("rate", &self.rate).finish()
    }
}

impl<S, R> FromRequestParts<S> for Guard<R>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    R: RouteRules,
{
    /// The refusal, with `resource_metadata` in its challenge when a resource is configured.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let verified = auth
            .check(parts, Check::guard(R::RULES, std::any::type_name::<R>()))
            .await
            .map_err(|e| {
                let mut res = crate::oauth::refusal(&auth, e);
                if R::RULES.dpop {
                    crate::error::dpop_only(&mut res);
                }
                res
            })?;
        Ok(Guard {
            rate: verified.rate,
            _rules: PhantomData,
        })
    }
}

/// Ties a generated marker type to a public route's rate limit.
pub trait PublicRules: Send + Sync + 'static {
    /// The rate limit.
    const RATE: RateRule;
}

/// The extractor `#[public(rate = ...)]` inserts: a rate limit and nothing else.
pub struct PublicGuard<R> {
    rate: Option<RateDecision>,
    _rules: PhantomData<fn() -> R>,
}

impl<R> PublicGuard<R> {
    /// The rate decision (for the `RateLimit-*` headers).
    pub fn rate(&self) -> Option<RateDecision> {
        self.rate
    }
}

impl<R> fmt::Debug for PublicGuard<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicGuard")
            .field("rate", &self.rate)
            .finish()
    }
}

impl<S, R> FromRequestParts<S> for PublicGuard<R>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    R: PublicRules,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let rate = auth
            .check_public_rate(parts, std::any::type_name::<R>(), &R::RATE)
            .await?;
        Ok(PublicGuard {
            rate,
            _rules: PhantomData,
        })
    }
}

/// Refuses a token of another user kind than `expected` (`403 LoginTypeMismatchError`).
pub fn check_kind(claims: &Claims, expected: &str) -> Result<(), AuthError> {
    let actual = claims.kind();
    if actual == Some(expected) {
        Ok(())
    } else {
        Err(AuthError::KindMismatch {
            expected: expected.to_owned(),
            actual: actual.map(str::to_owned),
        })
    }
}

/// Refuses a token whose login is older than the route's `max_age` (or has no `auth_time`), or
/// whose `acr` is not one of the route's (`401 InsufficientUserAuthenticationError`, RFC 9470).
pub(crate) fn check_step_up(claims: &Claims, rules: &Rules, now: i64) -> Result<(), AuthError> {
    let too_old = rules.max_age.is_some_and(|max| match claims.auth_time {
        Some(at) => now.saturating_sub(at) > i64::try_from(max).unwrap_or(i64::MAX),
        None => true,
    });
    let wrong_class =
        !rules.acr.is_empty() && !claims.acr().is_some_and(|acr| rules.acr.contains(&acr));
    if too_old || wrong_class {
        return Err(AuthError::InsufficientUserAuthentication {
            max_age: rules.max_age,
            acr_values: rules.acr.iter().map(|s| (*s).to_owned()).collect(),
        });
    }
    Ok(())
}

/// Adds the `RateLimit-*` headers of `decision` to a handler's response.
pub fn with_rate_headers(response: impl IntoResponse, decision: Option<RateDecision>) -> Response {
    let mut response = response.into_response();
    if let Some(d) = decision {
        d.apply_headers(response.headers_mut());
    }
    response
}
