//! The extractors the macros insert: [`Guard`] (`#[protect]`) and [`PublicGuard`]
//! (`#[public(rate)]`), and the helpers their generated code calls. Macro plumbing: reached
//! through `authx::__private`, not a public API.

use std::fmt;
use std::marker::PhantomData;

use axum::extract::{FromRef, FromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::Auth;
use crate::auth::Check;
use crate::extract::Rejection;
use crate::guard::{RateRule, Rules};
use crate::rate::RateDecision;

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
    /// The refusal, rendered by the engine (`resource_metadata`, the app's hook).
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let verified = auth
            .check(parts, Check::guard(R::RULES, std::any::type_name::<R>()))
            .await
            .map_err(|e| Rejection::new(&auth, e).dpop_only(R::RULES.dpop))?;
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
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let rate = auth
            .check_public_rate(parts, std::any::type_name::<R>(), &R::RATE)
            .await
            .map_err(|e| Rejection::new(&auth, e))?;
        Ok(PublicGuard {
            rate,
            _rules: PhantomData,
        })
    }
}

/// Adds the `RateLimit-*` headers of `decision` to a handler's response.
pub fn with_rate_headers(response: impl IntoResponse, decision: Option<RateDecision>) -> Response {
    let mut response = response.into_response();
    if let Some(d) = decision {
        d.apply_headers(response.headers_mut());
    }
    response
}
