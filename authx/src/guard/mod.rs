//! Route guards: the requirements [`#[protect]`](crate::protect) declares, as compile-time
//! data, checked on every request.
//!
//! `#[protect(...)]` validates its arguments at compile time and turns them into a
//! `&'static` [`Rules`]; it adds a hidden [`Guard`] argument (first, so it runs before every
//! other extractor) that enforces them. Order of checks: locate, decode and verify, token type,
//! CSRF (cookie-borne tokens), revocation, freshness, scopes, policy. The verified claims stay
//! in the request's cache, so `Claims` and `#[auth_subject]` types in the same handler reuse
//! them. Macros check, the runtime enforces: nothing from a token is trusted because the macro
//! validated the route's spec.
//!
//! Each guard's decision is one `tracing` event, target `authx`, name `auth decision`, level
//! `DEBUG`, with `route`, `method`, `path`, `subject` (once a token verified), `outcome`
//! (`allowed` / `refused`), `error_type` and `status` (refused) and `duration_us`; never a
//! token, secret, CSRF value or cookie. Extractors that verify a token themselves (no guard on
//! the route) emit the same event, with the request path as `route`.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use authx_spec::ScopeMode;
use axum::extract::{FromRef, FromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::Auth;
use crate::auth::{Requirement, decision};
use crate::config::TokenLocation;
use crate::error::AuthError;
use crate::extract::cache;
use crate::rate::RateDecision;
use crate::token::{Claims, TokenType};

/// What a policy function decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyDecision {
    /// Let the request through.
    Allow,
    /// Refuse with `403 PolicyDeniedError` and this message.
    Deny(String),
}

impl PolicyDecision {
    /// Refuses with AuthX's default message.
    pub fn deny() -> Self {
        PolicyDecision::Deny("Policy denied access".into())
    }
}

impl From<bool> for PolicyDecision {
    fn from(allow: bool) -> Self {
        if allow {
            PolicyDecision::Allow
        } else {
            PolicyDecision::deny()
        }
    }
}

impl<E: fmt::Display> From<Result<(), E>> for PolicyDecision {
    fn from(r: Result<(), E>) -> Self {
        match r {
            Ok(()) => PolicyDecision::Allow,
            Err(reason) => PolicyDecision::Deny(reason.to_string()),
        }
    }
}

/// A boxed future borrowing the request for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A policy, as `#[protect(policy = ...)]` stores it: the user's async fn, wrapped.
pub type PolicyFn = for<'a> fn(&'a Claims, &'a Parts) -> BoxFuture<'a, PolicyDecision>;

/// A custom rate-limit key, as `#[protect(rate_key = ...)]` stores it.
pub type RateKeyFn = fn(&Parts, Option<&Claims>) -> String;

/// What a rate limit is keyed by.
#[derive(Clone, Copy)]
pub enum RateKeyRule {
    /// The client IP.
    Ip,
    /// The token's subject (the IP on anonymous routes).
    Subject,
    /// A function of the request.
    Custom {
        /// The function's path, for the audit table.
        name: &'static str,
        /// The function.
        key: RateKeyFn,
    },
}

impl fmt::Debug for RateKeyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl RateKeyRule {
    /// `ip`, `subject` or the function's path.
    pub fn name(&self) -> &'static str {
        match self {
            RateKeyRule::Ip => "ip",
            RateKeyRule::Subject => "subject",
            RateKeyRule::Custom { name, .. } => name,
        }
    }
}

/// A rate limit: `count` requests per `window_ms` milliseconds per key.
#[derive(Debug, Clone, Copy)]
pub struct RateRule {
    /// Requests allowed per window.
    pub count: u32,
    /// The window, in milliseconds.
    pub window_ms: u64,
    /// What the limit is keyed by.
    pub key: RateKeyRule,
}

impl fmt::Display for RateRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match authx_spec::RateSpec::new(
            self.count,
            std::time::Duration::from_millis(self.window_ms),
        ) {
            Some(spec) => write!(f, "{spec} per {}", self.key.name()),
            None => write!(
                f,
                "{}/{}ms per {}",
                self.count,
                self.window_ms,
                self.key.name()
            ),
        }
    }
}

/// A route's requirements. Built by `#[protect]` as a `static`; usable by hand too.
#[derive(Clone, Copy)]
pub struct Rules {
    /// `access` (default) or `refresh`.
    pub token_type: TokenType,
    /// A fresh token is required.
    pub fresh: bool,
    /// Required scope patterns (validated at compile time).
    pub scopes: &'static [&'static str],
    /// All of `scopes`, or any one.
    pub scope_mode: ScopeMode,
    /// Overrides the configured token locations.
    pub locations: Option<&'static [TokenLocation]>,
    /// CSRF check for cookie-borne tokens (`csrf = false` turns it off for this route).
    pub csrf: bool,
    /// Rate limit.
    pub rate: Option<RateRule>,
    /// Policy function and its path.
    pub policy: Option<(&'static str, PolicyFn)>,
    /// The user kind the token must carry (AuthX's `login_type`), `#[protect(kind = "...")]`.
    pub kind: Option<&'static str>,
}

impl Rules {
    /// An access token, nothing more: the rules of a bare `#[protect]`.
    pub const ACCESS: Rules = Rules {
        token_type: TokenType::Access,
        fresh: false,
        scopes: &[],
        scope_mode: ScopeMode::All,
        locations: None,
        csrf: true,
        rate: None,
        policy: None,
        kind: None,
    };
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rules")
            .field("token_type", &self.token_type)
            .field("fresh", &self.fresh)
            .field("scopes", &self.scopes)
            .field("scope_mode", &self.scope_mode)
            .field("locations", &self.locations)
            .field("csrf", &self.csrf)
            .field("rate", &self.rate)
            .field("policy", &self.policy.map(|(name, _)| name))
            .field("kind", &self.kind)
            .finish()
    }
}

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
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let (_, rate) = auth
            .enforce_route(parts, R::RULES, std::any::type_name::<R>())
            .await?;
        Ok(Guard {
            rate,
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
        let route = std::any::type_name::<R>();
        let started = decision::start();
        // Anonymous route: a `subject` key falls back to the client IP.
        let rate = auth.check_rate(parts, route, &R::RATE, None).await;
        decision::record(started, parts, route, None, rate.as_ref().err());
        Ok(PublicGuard {
            rate: rate?,
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

/// Adds the `RateLimit-*` headers of `decision` to a handler's response.
pub fn with_rate_headers(response: impl IntoResponse, decision: Option<RateDecision>) -> Response {
    let mut response = response.into_response();
    if let Some(d) = decision {
        d.apply_headers(response.headers_mut());
    }
    response
}

/// Longest rate-limit key part kept as written; longer ones are hashed.
const MAX_KEY_LEN: usize = 128;

/// A rate-limit key part of bounded length: as written up to [`MAX_KEY_LEN`] bytes, else its
/// SHA-256, so a custom key built from request data (a header, a path) cannot make the
/// limiter store arbitrarily long strings.
fn bounded_key(key: &str) -> std::borrow::Cow<'_, str> {
    use sha2::Digest;
    if key.len() <= MAX_KEY_LEN {
        return std::borrow::Cow::Borrowed(key);
    }
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    std::borrow::Cow::Owned(format!("sha256:{hex}"))
}

fn is_token_failure(e: &AuthError) -> bool {
    !matches!(
        e,
        AuthError::StoreUnavailable(_) | AuthError::Internal(_) | AuthError::RateLimited { .. }
    )
}

impl Auth {
    /// Checks `rules` against the request, as a `#[protect]` guard does, and returns the
    /// verified claims. For hand-written middleware and extractors. Rate limits are counted
    /// per route template (axum's `MatchedPath`, `/users/{id}`), never per raw path, which a
    /// client could vary at will; before routing (a layer on the whole router) there is no
    /// template and every path shares the bucket `*`.
    pub async fn enforce(
        &self,
        parts: &mut Parts,
        rules: &Rules,
    ) -> Result<Arc<Claims>, AuthError> {
        let route = decision::route_template(parts).unwrap_or("*").to_owned();
        self.enforce_route(parts, rules, &route)
            .await
            .map(|(claims, _)| claims)
    }

    /// [`enforce`](Self::enforce) with an explicit route id for rate-limit buckets, returning
    /// the rate decision too. The whole check (rate limits, token, freshness, scopes, policy)
    /// is one `auth decision` event (target `authx`, see the README's "OpenAPI and tracing").
    pub async fn enforce_route(
        &self,
        parts: &mut Parts,
        rules: &Rules,
        route: &str,
    ) -> Result<(Arc<Claims>, Option<RateDecision>), AuthError> {
        let started = decision::start();
        let mut seen = None;
        let result = self.enforce_rules(parts, rules, route, &mut seen).await;
        decision::record(
            started,
            parts,
            route,
            seen.as_deref(),
            result.as_ref().err(),
        );
        result
    }

    async fn enforce_rules(
        &self,
        parts: &mut Parts,
        rules: &Rules,
        route: &str,
        seen: &mut Option<Arc<Claims>>,
    ) -> Result<(Arc<Claims>, Option<RateDecision>), AuthError> {
        let mut rate = None;
        // IP limits come first, so a flood of bad tokens is limited too.
        if let Some(rule) = rules.rate.filter(|r| matches!(r.key, RateKeyRule::Ip)) {
            rate = self.check_rate(parts, route, &rule, None).await?;
        }
        let req = Requirement {
            token_type: rules.token_type,
            locations: rules.locations,
            csrf: rules.csrf,
        };
        let claims = match self.authenticate_quietly(parts, req, seen).await {
            Ok(claims) => claims,
            Err(e) => {
                // Subject and custom limits need claims; a failed verification is charged to
                // the client IP in the same rule instead.
                if let Some(rule) = rules.rate.filter(|r| !matches!(r.key, RateKeyRule::Ip))
                    && is_token_failure(&e)
                {
                    let by_ip = RateRule {
                        key: RateKeyRule::Ip,
                        ..rule
                    };
                    self.check_rate(parts, route, &by_ip, None).await?;
                }
                return Err(e);
            }
        };
        cache::mark_guarded(parts, rules.token_type);
        if let Some(rule) = rules.rate.filter(|r| !matches!(r.key, RateKeyRule::Ip)) {
            rate = self.check_rate(parts, route, &rule, Some(&claims)).await?;
        }
        if let Some(kind) = rules.kind {
            check_kind(&claims, kind)?;
        }
        if rules.fresh && !claims.fresh {
            return Err(AuthError::FreshTokenRequired);
        }
        if !authx_spec::scope::satisfies(claims.scopes(), rules.scopes, rules.scope_mode) {
            return Err(AuthError::InsufficientScope {
                required: rules.scopes.iter().map(|s| (*s).to_owned()).collect(),
                all: rules.scope_mode == ScopeMode::All,
            });
        }
        if let Some((_, policy)) = rules.policy
            && let PolicyDecision::Deny(reason) = policy(&claims, parts).await
        {
            return Err(AuthError::PolicyDenied { reason });
        }
        Ok((claims, rate))
    }

    /// One rate decision for `rule` on `route`: `Ok(Some(decision))` when allowed,
    /// [`AuthError::RateLimited`] when not, `Ok(None)` when the limiter failed and
    /// [`store_fail_open`](crate::AuthConfig::store_fail_open) lets the request through.
    pub async fn check_rate(
        &self,
        parts: &Parts,
        route: &str,
        rule: &RateRule,
        claims: Option<&Claims>,
    ) -> Result<Option<RateDecision>, AuthError> {
        let who = match (rule.key, claims) {
            (RateKeyRule::Subject, Some(c)) => format!("sub:{}", bounded_key(&c.sub)),
            (RateKeyRule::Custom { key, .. }, _) => {
                format!("fn:{}", bounded_key(&key(parts, claims)))
            }
            _ => format!("ip:{}", self.client_ip(parts).key()),
        };
        let key = format!("{route}|{who}");
        let window = std::time::Duration::from_millis(rule.window_ms);
        match self
            .store_call(self.rate_limiter().check(&key, rule.count, window))
            .await
        {
            Ok(d) if d.allowed => Ok(Some(d)),
            Ok(d) => Err(AuthError::RateLimited {
                retry_after: d.retry_after,
                limit: d.limit,
                reset: d.reset,
            }),
            Err(AuthError::StoreUnavailable(e)) if self.config().store_fail_open => {
                tracing::warn!(error = %e, "rate limiter unavailable; letting the request through (store_fail_open)");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_are_hashed() {
        assert_eq!(bounded_key("tenant-1"), "tenant-1");
        let long = "x".repeat(10_000);
        let hashed = bounded_key(&long);
        assert!(
            hashed.starts_with("sha256:") && hashed.len() == 7 + 64,
            "{hashed}"
        );
        assert_ne!(bounded_key(&"y".repeat(10_000)), hashed);
    }
}
