//! The request pipeline of the route doors (a `#[protect]` guard, an `AuthLayer`,
//! `Auth::enforce`, and the extractors on routes without a guard), [`Auth::check`]:
//!
//! 1. rate limits keyed by client IP (before any decoding, so a flood of bad tokens is limited);
//! 2. the token, through the one verification path ([`Auth::run`](super::verification)):
//!    located by the route's rules, verified, type, freshness, CSRF, DPoP, liveness and the
//!    rate limit keyed by subject or a custom key, cached (a refused token is charged to the
//!    client IP on routes limited by subject or custom key);
//! 3. what only a route asks: user kind, step-up, scopes, policy.
//!
//! It returns the verified claims or the refusal; the `auth decision` event is recorded from
//! that result.

use std::sync::Arc;

use http::request::Parts;

use super::verification::{Csrf, Dpop, Live, Passed, RateCharge, Refusal, Source, Verification};
use super::{Auth, decision};
use crate::error::AuthError;
use crate::guard::{PolicyDecision, RateKeyRule, RateRule, Rules};
use crate::request::cache;
use crate::token::Claims;

/// One run of the pipeline: a route's rules, the route its rate limits and decision are counted
/// under, and whether a route guard runs it (then plain `Claims` extractors yield the token it
/// verified, whatever its type).
#[derive(Clone, Copy)]
pub(crate) struct Check<'r> {
    pub(crate) rules: &'r Rules,
    pub(crate) route: &'r str,
    guard: bool,
    /// Where a route with an action gets its resource and principal.
    #[cfg(feature = "authz")]
    pub(crate) resource: Option<&'r dyn crate::authz::ResourceSource>,
}

impl<'r> Check<'r> {
    /// A route guard's check (`#[protect]`, `AuthLayer`, `Auth::enforce`).
    pub(crate) fn guard(rules: &'r Rules, route: &'r str) -> Self {
        Check {
            rules,
            route,
            guard: true,
            #[cfg(feature = "authz")]
            resource: None,
        }
    }

    /// With the resource and principal of a route with an action.
    #[cfg(feature = "authz")]
    pub(crate) fn with_resource(self, source: &'r dyn crate::authz::ResourceSource) -> Self {
        Check {
            resource: Some(source),
            ..self
        }
    }

    /// An extractor's check, on a route without a guard.
    pub(crate) fn extractor(rules: &'r Rules, route: &'r str) -> Self {
        Check {
            rules,
            route,
            guard: false,
            #[cfg(feature = "authz")]
            resource: None,
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
    ) -> Result<Passed, AuthError> {
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
    /// passes these `rules`' type and freshness (the route's other rules are the guard's),
    /// else through the pipeline with `rules` (which reuses a token this request already
    /// verified only where those rules would have found and accepted it).
    pub(crate) async fn request_claims(
        &self,
        parts: &mut Parts,
        rules: &Rules,
    ) -> Result<Arc<Claims>, AuthError> {
        if let Some(hit) = cache::guarded_of(parts, rules.token_type) {
            super::verification::check_claims(Some(rules.token_type), rules.fresh, &hit)?;
            return Ok(hit);
        }
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
    async fn pipeline(&self, parts: &mut Parts, check: Check<'_>) -> Result<Passed, Refusal> {
        let (rules, route) = (check.rules, check.route);
        let mut rate = None;
        if let Some(rule) = rules.rate.filter(|r| matches!(r.key, RateKeyRule::Ip)) {
            rate = self.check_rate(parts, route, &rule, None).await?;
        }
        let by_token = rules.rate.filter(|r| !matches!(r.key, RateKeyRule::Ip));
        let verification = Verification {
            source: Source::Located {
                locations: rules.locations,
                token_type: rules.token_type,
                missing: if rules.verify_type {
                    || AuthError::MissingToken
                } else {
                    || AuthError::TokenRequired
                },
                credentials: rules.credentials,
            },
            expect: rules.verify_type.then_some(rules.token_type),
            fresh: rules.fresh,
            csrf: if rules.csrf { Csrf::Request } else { Csrf::Off },
            dpop: Dpop::Proof {
                required: rules.dpop,
            },
            live: Live::Enforce,
            allowlist: true,
            rate: by_token.as_ref().map(|rule| RateCharge { route, rule }),
        };
        let passed = match self.run(Some(parts), verification).await {
            Ok(passed) => passed,
            Err(refusal) => return Err(self.charge_ip(parts, route, rules, refusal).await),
        };
        if let Err(error) = self.route_checks(parts, rules, &passed.claims).await {
            return Err(Refusal {
                error,
                claims: Some(passed.claims),
            });
        }
        if check.guard {
            // An `AuthLayer` before this guard put its token in the extensions: a handler's
            // `Extension<Claims>` is this route's token too.
            if parts.extensions.get::<Claims>().is_some() {
                parts.extensions.insert(Claims::clone(&passed.claims));
            }
            // Before the resource step: a loader's `Claims` or subject is this token's.
            cache::mark_guarded(parts, passed.claims.clone());
        }
        if rules.action.is_some()
            && let Err(error) = self.resource_step(parts, check, &passed.claims).await
        {
            return Err(Refusal {
                error,
                claims: Some(passed.claims),
            });
        }
        Ok(Passed {
            rate: passed.rate.or(rate),
            ..passed
        })
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

    /// Step 3: what only a route asks of a verified token.
    async fn route_checks(
        &self,
        parts: &Parts,
        rules: &Rules,
        claims: &Claims,
    ) -> Result<(), AuthError> {
        if let Some(kind) = rules.kind {
            super::check_kind(claims, kind)?;
        }
        if rules.has_step_up() {
            super::check_step_up(claims, rules, self.now())?;
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
        Ok(())
    }
}

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
