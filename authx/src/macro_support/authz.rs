//! The guard of `#[protect(action = ..., resource = ...)]` routes: the route's rules, then its
//! resource loaded and decided, all in one run of the pipeline (feature `authz`).

use std::marker::PhantomData;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;

use super::guard::RouteRules;
use crate::Auth;
use crate::auth::Check;
use crate::authz::{BoxFuture, LoadResult, Principal, ResourceSource};
use crate::error::AuthError;
use crate::extract::Rejection;
use crate::rate::RateDecision;
use crate::token::Claims;

/// Ties a generated marker to its route's resource loader and principal, for router state `S`.
pub trait RouteResource<S>: RouteRules {
    /// Runs the route's loader.
    fn load<'a>(parts: &'a mut Parts, state: &'a S) -> BoxFuture<'a, LoadResult>;

    /// The principal of verified `claims`: by default the token's subject.
    fn principal<'a>(
        claims: &'a Claims,
        state: &'a S,
    ) -> BoxFuture<'a, Result<Principal, AuthError>> {
        let _ = state;
        Box::pin(std::future::ready(Ok(Principal::from_claims(claims))))
    }
}

/// The principal as the app's `#[auth_subject]` entity `T`, loaded from verified `claims`
/// (boxed here, so a `T` that is no entity is reported once, where the attribute names it).
pub fn subject_principal<'a, S, T>(
    claims: &'a Claims,
    state: &'a S,
) -> BoxFuture<'a, Result<Principal, AuthError>>
where
    T: crate::AuthSubject<S> + crate::authz::AuthzEntity,
    S: Sync,
{
    Box::pin(async move {
        let subject = T::from_claims(claims.clone(), state).await?;
        Ok(Principal::from_entity(&subject, claims))
    })
}

/// A route's resource source over the router state.
struct Source<'s, S, R> {
    state: &'s S,
    _route: PhantomData<fn() -> R>,
}

impl<S: Send + Sync, R: RouteResource<S>> ResourceSource for Source<'_, S, R> {
    fn load<'a>(&'a self, parts: &'a mut Parts) -> BoxFuture<'a, LoadResult> {
        R::load(parts, self.state)
    }

    fn principal<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, Result<Principal, AuthError>> {
        R::principal(claims, self.state)
    }
}

/// The extractor `#[protect(action, resource)]` inserts as a handler's first argument:
/// `R::RULES`, then the resource decided on.
pub struct AuthzGuard<R> {
    rate: Option<RateDecision>,
    _rules: PhantomData<fn() -> R>,
}

impl<R> AuthzGuard<R> {
    /// The rate decision, when the route has a rate limit (for the `RateLimit-*` headers).
    pub fn rate(&self) -> Option<RateDecision> {
        self.rate
    }
}

impl<R> std::fmt::Debug for AuthzGuard<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthzGuard")
            .field("rate", &self.rate)
            .finish()
    }
}

impl<S, R> FromRequestParts<S> for AuthzGuard<R>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    R: RouteResource<S>,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let source = Source::<S, R> {
            state,
            _route: PhantomData,
        };
        let check = Check::guard(R::RULES, std::any::type_name::<R>()).with_resource(&source);
        let verified = auth
            .check(parts, check)
            .await
            .map_err(|e| Rejection::new(&auth, e).dpop_only(R::RULES.dpop))?;
        Ok(AuthzGuard {
            rate: verified.rate,
            _rules: PhantomData,
        })
    }
}
