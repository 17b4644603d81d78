//! The request pipeline: every request a guard, a layer or an extractor checks goes through
//! [`Auth::check`], in this order:
//!
//! 1. rate limits keyed by client IP (before any decoding, so a flood of bad tokens is limited);
//! 2. the token ([`Auth::token`]): from the request's cache, or located, decoded and verified,
//!    type-checked, CSRF-checked (cookie tokens on unsafe methods), checked against the stores
//!    (revocation of the token and its family, retirement, allowlist), then cached;
//! 3. rate limits keyed by subject or a custom key (a failed verification is charged to the IP);
//!    when the rate limiter is the revocation store (Redis), an access token's revocation is
//!    checked here instead, in the same round trip (a revoked token is charged to the client
//!    IP, as any token failure), and the token is cached only once found live;
//! 4. user kind, freshness, scopes, policy.
//!
//! It returns the verified claims or the refusal; the `auth decision` event is recorded from
//! that result.

use std::sync::Arc;

use http::request::Parts;

use super::{Auth, decision};
use crate::config::TokenLocation;
use crate::error::AuthError;
use crate::extract::{cache, locate};
use crate::guard::{PolicyDecision, RateKeyRule, RateRule, Rules};
use crate::rate::RateDecision;
use crate::token::{Claims, TokenType};

/// One run of the pipeline: a route's rules, the route its rate limits and decision are counted
/// under, and whether a route guard runs it (then plain `Claims` extractors yield the token it
/// verified, whatever its type).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Check<'r> {
    pub(crate) rules: &'r Rules,
    pub(crate) route: &'r str,
    guard: bool,
}

impl<'r> Check<'r> {
    /// A route guard's check (`#[protect]`, `AuthLayer`, `Auth::enforce`).
    pub(crate) fn guard(rules: &'r Rules, route: &'r str) -> Self {
        Check {
            rules,
            route,
            guard: true,
        }
    }

    /// An extractor's check, on a route without a guard.
    pub(crate) fn extractor(rules: &'r Rules, route: &'r str) -> Self {
        Check {
            rules,
            route,
            guard: false,
        }
    }
}

/// A request the pipeline let through.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) claims: Arc<Claims>,
    /// The rate decision, when the rules have a rate limit (for the `RateLimit-*` headers).
    pub(crate) rate: Option<RateDecision>,
    /// The token came from the request's cache: this request already decided on it.
    cached: bool,
}

/// A request the pipeline refused: the error, and the claims of its token when the token
/// verified before a later check refused the request (so the decision names its subject).
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) error: AuthError,
    pub(crate) claims: Option<Arc<Claims>>,
}

impl From<AuthError> for Refusal {
    fn from(error: AuthError) -> Self {
        Refusal {
            error,
            claims: None,
        }
    }
}

impl Auth {
    /// The request pipeline, and its decision event: the one entry point of every guard,
    /// layer and extractor.
    pub(crate) async fn check(
        &self,
        parts: &mut Parts,
        check: Check<'_>,
    ) -> Result<Verified, AuthError> {
        let started = decision::start();
        let outcome = self.pipeline(parts, check).await;
        // An extractor handed a token this request already decided on (a second extractor, a
        // subject after `Claims`) adds no decision of its own: one event, one count.
        let repeated = !check.guard && outcome.as_ref().is_ok_and(|v| v.cached);
        if !repeated {
            decision::record(started, parts, check.route, &outcome);
        }
        outcome.map_err(|r| r.error)
    }

    /// The request's token for the extractors: the one the route's guard let through when it
    /// is of `token_type` (the route's rules are the guard's), else through the pipeline with
    /// the plain rules of `token_type` (which reuses a token this request already verified
    /// only where those rules would have found and accepted it).
    pub(crate) async fn request_claims(
        &self,
        parts: &mut Parts,
        token_type: TokenType,
    ) -> Result<Arc<Claims>, AuthError> {
        if let Some(hit) = cache::guarded_of(parts, token_type) {
            return Ok(hit);
        }
        let rules = match token_type {
            TokenType::Access => &Rules::ACCESS,
            TokenType::Refresh => &Rules::REFRESH,
        };
        let route = decision::route_of(parts);
        let verified = self.check(parts, Check::extractor(rules, &route)).await?;
        Ok(verified.claims)
    }

    /// Checks `rules` against the request, as a `#[protect]` guard does, and returns the
    /// verified claims. For hand-written middleware and extractors. Rate limits are counted
    /// per route template (axum's `MatchedPath`, `/users/{id}`), never per raw path, which a
    /// client could vary at will; before routing (a layer on the whole router) there is no
    /// template and every path shares the bucket `*`. One `auth decision` event.
    pub async fn enforce(
        &self,
        parts: &mut Parts,
        rules: &Rules,
    ) -> Result<Arc<Claims>, AuthError> {
        let route = decision::route_template(parts).unwrap_or("*").to_owned();
        let verified = self.check(parts, Check::guard(rules, &route)).await?;
        Ok(verified.claims)
    }

    /// Every step, in order (see the [module docs](self)).
    async fn pipeline(&self, parts: &mut Parts, check: Check<'_>) -> Result<Verified, Refusal> {
        let (rules, route) = (check.rules, check.route);
        let mut rate = None;
        if let Some(rule) = rules.rate.filter(|r| matches!(r.key, RateKeyRule::Ip)) {
            rate = self.check_rate(parts, route, &rule, None).await?;
        }
        let (claims, pending, cached) = match self.token(parts, rules).await {
            Ok(found) => found,
            Err(refusal) => return Err(self.charge_ip(parts, route, rules, refusal).await),
        };
        match self.route_checks(parts, check, &claims).await {
            Ok(subject_rate) => {
                if let Some(pending) = pending {
                    // Live: step 3 checked its revocation. Only now is it remembered.
                    self.remember(parts, &claims, pending);
                }
                if check.guard {
                    // An `AuthLayer` before this guard put its token in the extensions: a
                    // handler's `Extension<Claims>` is this route's token too.
                    if parts.extensions.get::<Claims>().is_some() {
                        parts.extensions.insert(Claims::clone(&claims));
                    }
                    cache::mark_guarded(parts, claims.clone());
                }
                Ok(Verified {
                    claims,
                    rate: subject_rate.or(rate),
                    cached,
                })
            }
            Err(error) => {
                let refusal = Refusal {
                    error,
                    claims: Some(claims),
                };
                // A token found revoked in step 3 is a token failure, charged as in step 2.
                if matches!(refusal.error, AuthError::Revoked) {
                    return Err(self.charge_ip(parts, route, rules, refusal).await);
                }
                Err(refusal)
            }
        }
    }

    /// A refused token on a route limited by subject or custom key: subject and custom limits
    /// need a token, so the failure is charged to the client IP in the same rule instead. The
    /// refusal, or the rate limit's when the IP is over it.
    async fn charge_ip(
        &self,
        parts: &Parts,
        route: &str,
        rules: &Rules,
        refusal: Refusal,
    ) -> Refusal {
        if let Some(rule) = rules.rate.filter(|r| !matches!(r.key, RateKeyRule::Ip))
            && is_token_failure(&refusal.error)
        {
            let by_ip = RateRule {
                key: RateKeyRule::Ip,
                ..rule
            };
            if let Err(error) = self.check_rate(parts, route, &by_ip, None).await {
                return Refusal {
                    error,
                    claims: refusal.claims,
                };
            }
        }
        refusal
    }

    /// Caches a live token for the rest of the request, and records its session's use.
    fn remember(&self, parts: &mut Parts, claims: &Arc<Claims>, found: Pending) {
        if let Some(sid) = &claims.sid {
            self.touch_later(sid);
        }
        let Pending {
            token,
            location,
            dpop,
            csrf,
        } = found;
        cache::put(parts, &token, location, dpop, claims.clone(), csrf);
    }

    /// Steps 3 and 4: what the route asks of a verified token.
    async fn route_checks(
        &self,
        parts: &Parts,
        check: Check<'_>,
        claims: &Claims,
    ) -> Result<Option<RateDecision>, AuthError> {
        let rules = check.rules;
        let mut rate = None;
        if let Some(rule) = rules.rate.filter(|r| !matches!(r.key, RateKeyRule::Ip)) {
            rate = if self.one_trip(rules, claims) {
                self.check_rate_unless_revoked(parts, check.route, &rule, claims)
                    .await?
            } else {
                self.check_rate(parts, check.route, &rule, Some(claims))
                    .await?
            };
        }
        if let Some(kind) = rules.kind {
            crate::guard::extract::check_kind(claims, kind)?;
        }
        if rules.fresh && !claims.fresh {
            return Err(AuthError::FreshTokenRequired);
        }
        if rules.has_step_up() {
            crate::guard::extract::check_step_up(claims, rules, self.now())?;
        }
        if !authx_spec::scope::satisfies(claims.scopes(), rules.scopes, rules.scope_mode) {
            return Err(AuthError::InsufficientScope {
                required: rules.scopes.iter().map(|s| (*s).to_owned()).collect(),
                all: rules.scope_mode == authx_spec::ScopeMode::All,
            });
        }
        if let Some((name, policy)) = rules.policy {
            match crate::guard::evaluate(policy, claims, parts).await {
                PolicyDecision::Allow => {}
                PolicyDecision::Deny(reason) => return Err(AuthError::PolicyDenied { reason }),
                PolicyDecision::Error(detail) => {
                    tracing::error!(policy = name, %detail, "authx: policy evaluation failed");
                    return Err(AuthError::PolicyEvaluation { detail });
                }
            }
        }
        Ok(rate)
    }

    /// Step 2: the request's token, verified once. It is located by these rules (their
    /// locations, in their order); when this request already verified that very token, found
    /// in the same place with the same scheme, its signature, claims, DPoP proof and liveness
    /// stand, and only what these rules add is checked (type, CSRF). Otherwise it is decoded,
    /// type-checked, CSRF-checked, DPoP-checked and checked against the stores, then cached;
    /// under [`one_trip`](Auth::one_trip) the store check and the caching wait for step 3
    /// (the [`Pending`] entry).
    pub(crate) async fn token(
        &self,
        parts: &mut Parts,
        rules: &Rules,
    ) -> Result<(Arc<Claims>, Option<Pending>, bool), Refusal> {
        let config = self.config();
        let locations = rules.locations.unwrap_or(&config.token_locations);
        let found = locate::locate(parts, config, rules.token_type, locations)?.ok_or(
            if rules.verify_type {
                AuthError::MissingToken
            } else {
                AuthError::TokenRequired
            },
        )?;
        if rules.dpop && !found.dpop {
            return Err(DPOP_REQUIRED.into());
        }
        let (location, dpop) = (found.location, found.dpop);
        let csrf = location == TokenLocation::Cookies && rules.csrf && config.csrf.enabled;
        if let Some(hit) = cache::get(parts, &found) {
            let refuse = |error| Refusal {
                error,
                claims: Some(hit.claims.clone()),
            };
            check_type(rules, &hit.claims).map_err(refuse)?;
            if csrf && !hit.csrf_passed {
                crate::cookies::check_csrf(parts, config, hit.claims.csrf.as_deref())
                    .map_err(refuse)?;
                let token: Box<str> = found.token.into();
                cache::put(parts, &token, location, dpop, hit.claims.clone(), true);
            }
            return Ok((hit.claims, None, true));
        }
        let token: Box<str> = found.token.into();
        let claims = Arc::new(self.verify_token(&token).await?);
        let refuse = |error| Refusal {
            error,
            claims: Some(claims.clone()),
        };
        check_type(rules, &claims).map_err(refuse)?;
        if csrf {
            crate::cookies::check_csrf(parts, config, claims.csrf.as_deref()).map_err(refuse)?;
        }
        self.check_dpop(parts, dpop.then_some(&*token), &claims)
            .await
            .map_err(refuse)?;
        let pending = Pending {
            token,
            location,
            dpop,
            csrf,
        };
        // With a rate limit on the same store, the revocation check is made with it, in one
        // round trip (step 3), and the token is cached only once that found it live: nothing
        // else in the request can pick it up before.
        if self.one_trip(rules, &claims) {
            return Ok((claims, Some(pending), false));
        }
        self.ensure_live(&claims).await.map_err(refuse)?;
        self.remember(parts, &claims, pending);
        Ok((claims, None, false))
    }
}

/// A verified token not yet in the request's cache (its liveness is checked in step 3), and
/// where it was found.
pub(crate) struct Pending {
    token: Box<str>,
    location: TokenLocation,
    dpop: bool,
    csrf: bool,
}

/// The token type the rules ask for, when they check it.
fn check_type(rules: &Rules, claims: &Claims) -> Result<(), AuthError> {
    if rules.verify_type && claims.token_type != rules.token_type {
        return Err(match rules.token_type {
            TokenType::Access => AuthError::AccessTokenRequired,
            TokenType::Refresh => AuthError::RefreshTokenRequired,
        });
    }
    Ok(())
}

/// A `#[protect(dpop)]` route got a token without the DPoP scheme.
const DPOP_REQUIRED: AuthError = AuthError::InvalidDpopBinding {
    reason: "this route needs a DPoP-bound token, sent as `Authorization: DPoP` with a proof",
};

/// Is this a refusal of the token (charged to the client IP on subject-limited routes), rather
/// than a failure of ours?
fn is_token_failure(e: &AuthError) -> bool {
    !matches!(
        e,
        AuthError::StoreUnavailable(_) | AuthError::Internal(_) | AuthError::RateLimited { .. }
    )
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
