//! Rate limits in the pipeline: one decision for a rule on a route, keyed by client IP,
//! subject or a custom key (bounded in length).

use http::request::Parts;

use super::verification::RateCharge;
use super::{Auth, decision};
use crate::error::AuthError;
use crate::guard::{RateKeyRule, RateRule};
use crate::rate::{RateDecision, Unrevoked};
use crate::token::Claims;

impl Auth {
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
        let key = self.rate_key(parts, route, rule, claims);
        let window = std::time::Duration::from_millis(rule.window_ms);
        let decided = self
            .store_call(self.rate_limiter().check(&key, rule.count, window))
            .await;
        self.rate_outcome(route, decided)
    }

    /// "Live and within rate" in one store round trip, when the rate limiter holds the
    /// revocations (Redis, without a near-cache): whether the token or its family is revoked or
    /// its session ended, and only when not, `charge`'s rate decision. A revoked token is
    /// refused and not counted. `None` when this engine has no such limiter: the verification
    /// then asks the revocation store and the limiter in turn, in the same order.
    pub(crate) async fn live_and_counted(
        &self,
        parts: &Parts,
        charge: RateCharge<'_>,
        claims: &Claims,
    ) -> Option<Result<Option<RateDecision>, AuthError>> {
        if !self.inner.one_trip {
            return None;
        }
        let (route, rule) = (charge.route, charge.rule);
        let key = self.rate_key(parts, route, rule, Some(claims));
        let window = std::time::Duration::from_millis(rule.window_ms);
        let query = super::verify::RevocationQuery::of(claims);
        let keys = query.keys();
        let combined = self.revocation_store().live_within_rate(
            &keys,
            query.session.as_ref(),
            &key,
            rule.count,
            window,
        );
        let found = self.store_call_opt(combined).await?;
        Some(match self.fail_open(found, "revocation and rate limit") {
            Ok(Some(Unrevoked::Revoked)) => Err(AuthError::Revoked),
            Ok(Some(Unrevoked::Rate(d))) => self.rate_outcome(route, Ok(d)),
            // The store failed and the app chose fail-open (logged by `fail_open`).
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        })
    }

    /// The limiter key of `rule` on `route`: the route with the client IP, the subject or the
    /// custom key.
    pub(super) fn rate_key(
        &self,
        parts: &Parts,
        route: &str,
        rule: &RateRule,
        claims: Option<&Claims>,
    ) -> String {
        let who = match (rule.key, claims) {
            (RateKeyRule::Subject, Some(c)) => format!("sub:{}", bounded_key(&c.sub)),
            // Per key: the key this request's claims stand for; a bearer token's subject on a
            // route that takes either.
            (RateKeyRule::ApiKey, Some(c)) => match super::api_key::KeyUsed::of(parts, c) {
                Some(key) => format!("{}{}", super::api_key::PER_KEY, key.id),
                None => format!("sub:{}", bounded_key(&c.sub)),
            },
            (RateKeyRule::Custom { key, .. }, _) => {
                format!("fn:{}", bounded_key(&key(parts, claims)))
            }
            _ => format!("ip:{}", self.client_ip(parts).key()),
        };
        format!("{route}|{who}")
    }

    /// A limiter's answer as the pipeline's: allowed, [`AuthError::RateLimited`], or (the
    /// limiter failed under [`store_fail_open`](crate::AuthConfig::store_fail_open)) `None`.
    pub(super) fn rate_outcome(
        &self,
        route: &str,
        decided: Result<RateDecision, AuthError>,
    ) -> Result<Option<RateDecision>, AuthError> {
        match decided {
            Ok(d) if d.allowed => Ok(Some(d)),
            Ok(d) => {
                crate::metrics::rate_limited(route);
                Err(AuthError::RateLimited {
                    retry_after: d.retry_after,
                    limit: d.limit,
                    reset: d.reset,
                })
            }
            Err(AuthError::StoreUnavailable(e)) if self.config().store_fail_open => {
                tracing::warn!(error = %e, "rate limiter unavailable; letting the request through (store_fail_open)");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// A `#[public(rate)]` route's limit (an anonymous route: a `subject` key falls back to the
    /// client IP), and its decision event.
    pub(crate) async fn check_public_rate(
        &self,
        parts: &Parts,
        route: &str,
        rule: &RateRule,
    ) -> Result<Option<RateDecision>, AuthError> {
        let started = decision::start();
        let rate = self.check_rate(parts, route, rule, None).await;
        decision::event(started, parts, route, None, rate.as_ref().err());
        rate
    }
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
