//! Step 2 of the one verification path for an API key: the key checked and its record read,
//! then claims for it, so every later step (type, liveness with the key's id, the route's
//! rate limit, scopes, policy) runs on it as on a token's.
//!
//! In order: the client IP's failed lookups (an IP past
//! [`failed_lookups`](crate::config::ApiKeyConfig::failed_lookups) is refused with `429` before
//! anything else, and no more of its lookups run at once than it has failures left: see
//! `gate.rs`), the key's form and checksum (a typo costs no store call), the record by the
//! key's keyed digest (compared in constant time), revoked, expired, the addresses it allows,
//! its own rate limit; its last use is written at most once per touch interval. Where the key
//! store is also the revocation store and rate limiter (Redis), the lookup, the key's
//! liveness, its own limit and the route's limit (per key or per address) are one round trip
//! ([`ApiKeyStore::key_within_rate`](crate::store::ApiKeyStore::key_within_rate)).
//!
//! A key's claims held past their request (a WebSocket's re-checks) come back here:
//! [`Auth::recheck_api_key`] reads the record again by id.

use std::sync::Arc;
use std::time::Duration;

use http::request::Parts;

use super::Auth;
use super::verification::{RateCharge, Refusal};
use crate::api_key::format;
use crate::error::{ApiKeyFailure, AuthError};
use crate::guard::RateKeyRule;
use crate::rate::RateDecision;
use crate::rate::TrustedProxies;
use crate::store::{ApiKeyRecord, KeyCharge, KeyTrip};
use crate::token::{Claims, TokenType};

mod counted;
mod gate;

pub(crate) use gate::Lookups;

impl KeyUsed {
    /// The key these claims stand for, if this request's key step made them.
    pub(crate) fn of<'p>(parts: &'p Parts, claims: &Claims) -> Option<&'p KeyUsed> {
        parts
            .extensions
            .get::<KeyUsed>()
            .filter(|k| std::ptr::eq(&*k.claims, claims))
    }
}

/// The API key a request's credential was, put in its extensions by the step: the
/// [`Principal`](crate::Principal) extractor and rate limits per key read it.
#[derive(Debug, Clone)]
pub(crate) struct KeyUsed {
    /// The claims the key stood for: the marker speaks for these claims only (a token whose
    /// `jti` happens to equal a key's id is not that key).
    pub(crate) claims: Arc<Claims>,
    /// The key's public id (the claims' `jti`).
    pub(crate) id: Arc<str>,
    /// The key's name.
    pub(crate) name: Arc<str>,
    /// Its owner is a service account.
    pub(crate) service: bool,
}

/// The claims' extra value naming the key, which no token may carry.
pub(crate) const KEY_NAME_CLAIM: &str = crate::token::API_KEY_CLAIM;

impl Auth {
    /// The API-key step: the claims the key stands for, or why it is refused. `route` is
    /// the route's rate limit when the verification charges one with the liveness step:
    /// where the key store is the revocation store and rate limiter (Redis), the lookup,
    /// liveness and both limits are one round trip, and [`KeyPassed::counted`] says so.
    pub(crate) async fn verify_api_key(
        &self,
        parts: &mut Parts,
        key: &str,
        route: Option<RateCharge<'_>>,
    ) -> Result<KeyPassed, Refusal> {
        let config = &self.config().api_keys;
        let (count, window) = failed_lookup_limit(&config.failed_lookups);
        let ip = self.client_ip(parts);
        // Without the client's address every client would share one bucket, and anyone could
        // lock every key out: no limit then (the app serves without connect info, or behind
        // a proxy it does not trust; authx warns about that once).
        let failures = ip
            .addr()
            .map(|_| format!("apikey-failures|ip:{}", ip.key()));
        let lookups = &self.inner.key_lookups;
        let pass = match &failures {
            Some(failures) => {
                self.still_blocked(failures, count)?;
                // No more of this address's lookups at once than it has failures left (see
                // `gate.rs`): the ones waiting look again as those before them end.
                let clock = &self.inner.clock;
                match lookups.enter(failures, count, || clock.now_micros()).await {
                    Some(pass) => Some(pass),
                    None => return Err(self.refused_now(failures, count).into()),
                }
            }
            None => None,
        };
        let Some(pepper) = &config.pepper else {
            tracing::error!("authx: an API key arrived and no api_keys.pepper is configured");
            return Err(AuthError::ApiKey(ApiKeyFailure::Invalid).into());
        };
        let mut found = None;
        // The route's limit joins the round trip when its bucket is known before the lookup
        // (per key, or per address); the key's own limit always does.
        let route_bucket = route.and_then(|charge| match charge.rule.key {
            RateKeyRule::ApiKey => Some((format!("{}|{PER_KEY}", charge.route), true)),
            RateKeyRule::Ip => Some((self.rate_key(parts, charge.route, charge.rule, None), false)),
            _ => None,
        });
        if key.len() <= format::MAX_LEN && format::is_well_formed(&config.prefix, key) {
            let digest = format::digest(pepper.expose().as_bytes(), key);
            let tier = format!("{TIER_ROUTE}|{PER_KEY}");
            let mut charges = vec![KeyCharge::tier(&tier)];
            if let (Some((bucket, per_key)), Some(charge)) = (&route_bucket, route) {
                let window = Duration::from_millis(charge.rule.window_ms);
                charges.push(KeyCharge::new(bucket, *per_key, charge.rule.count, window));
            }
            found = match self.store_call(self.find_key(&digest, &charges)).await? {
                KeyTrip::Found(record, checked) if format::same_digest(&record.digest, &digest) => {
                    Some((*record, checked))
                }
                _ => None,
            };
        }
        let Some((record, checked)) = found else {
            let Some(failures) = failures else {
                return Err(AuthError::ApiKey(ApiKeyFailure::Invalid).into());
            };
            let charged = self.rate_limiter().check(&failures, count, window);
            let after = self.store_call(charged).await?;
            let at = self.inner.clock.now_micros();
            if let Some(pass) = pass {
                // What the address has left; one more every `window / count` (GCRA).
                let charged = gate::Charged {
                    failures: if after.allowed { after.remaining } else { 0 },
                    at,
                    interval: micros(window / count.max(1)),
                    count,
                    until: match after.allowed {
                        true => 0,
                        false => at.saturating_add(micros(after.retry_after)),
                    },
                };
                lookups.failed(pass, charged);
            }
            return Err(match after.allowed {
                true => AuthError::ApiKey(ApiKeyFailure::Invalid),
                false => limited(after),
            }
            .into());
        };
        // Found: the address's next lookup may start.
        if let Some(pass) = pass {
            pass.found();
        }
        let now = self.now();
        let claims = Arc::new(claims_of(&record));
        // Refusals from here name the key's subject (the decision event, the logs).
        let refuse = |error| Refusal {
            error,
            claims: Some(claims.clone()),
        };
        usable(&record, now).map_err(refuse)?;
        if !record.allowed_ips.is_empty() {
            // Checked when the key was created; a record that no longer parses allows nothing.
            let allowed = TrustedProxies::parse(&record.allowed_ips)
                .is_ok_and(|nets| ip.addr().is_some_and(|a| nets.contains(a)));
            if !allowed {
                return Err(refuse(AuthError::ApiKey(ApiKeyFailure::Address)));
            }
        }
        parts.extensions.insert(KeyUsed {
            claims: claims.clone(),
            id: record.id.as_str().into(),
            name: record.name.as_str().into(),
            service: record.service,
        });
        // A route limit keyed by subject or a custom key is left to the liveness step.
        let deferred = route.is_some() && route_bucket.is_none();
        let counted = self
            .counted(
                parts,
                &record,
                &claims,
                checked,
                route.filter(|_| !deferred),
            )
            .await
            .map_err(refuse)?
            .filter(|_| !deferred);
        self.touch_key_later(&record, now);
        Ok(KeyPassed { claims, counted })
    }

    /// The key step for an API key's claims held past their request (a WebSocket's
    /// re-check): its record read again by id, which must still be there (not deleted), be
    /// the same owner's, and be neither revoked nor expired (a rotation moves the expiry).
    pub(crate) async fn recheck_api_key(&self, claims: &Claims) -> Result<(), AuthError> {
        let found = self
            .store_call(self.inner.stores.api_keys.key_by_id(&claims.jti))
            .await?;
        let record = found
            .filter(|r| subject_of(r) == claims.sub)
            .ok_or(AuthError::ApiKey(ApiKeyFailure::Invalid))?;
        usable(&record, self.now())
    }

    /// `Err(429)` while this instance refuses the client IP `failures` (its bucket was found
    /// empty): a good key costs no limiter round trip, and an address past its limit gets no
    /// lookup (on another instance, at most the one that finds it over).
    fn still_blocked(&self, failures: &str, count: u32) -> Result<(), AuthError> {
        let now = self.inner.clock.now_micros();
        let Some(until) = self.inner.key_lookups.blocked(failures, now) else {
            return Ok(());
        };
        let wait = Duration::from_micros(u64::try_from(until - now).unwrap_or(0));
        Err(AuthError::RateLimited {
            retry_after: wait,
            limit: count,
            reset: wait,
        })
    }

    /// The `429` of an address found out of failures while waiting.
    fn refused_now(&self, failures: &str, count: u32) -> AuthError {
        let wait = Duration::from_secs(1);
        self.still_blocked(failures, count)
            .err()
            .unwrap_or(AuthError::RateLimited {
                retry_after: wait,
                limit: count,
                reset: wait,
            })
    }

    /// Records the key's use, in the background, unless it was recorded within the touch
    /// interval (by the record, or by this process since).
    fn touch_key_later(&self, record: &ApiKeyRecord, now: i64) {
        let interval = i64::try_from(self.config().api_keys.touch_interval_secs).unwrap_or(60);
        if record.last_used_at.is_some_and(|at| now - at < interval) {
            return;
        }
        if !self.first_touch(&format!("apikey:{}", record.id), now, interval) {
            return;
        }
        let auth = self.clone();
        let id = record.id.clone();
        tokio::spawn(async move {
            let touch = auth.inner.stores.api_keys.touch_key(&id, now);
            if let Err(e) = auth.store_call(touch).await {
                tracing::debug!(error = %e, "authx: could not record an API key's use");
            }
        });
    }
}

/// The claims an API key stands for: its owner as subject (`service:<name>` for a service
/// account), its id as `jti` (so revoking the id refuses it, through the revocation store and
/// the near-cache), its scopes, its name as the extra claim `api_key_name`; never fresh, no
/// login time, no session.
fn claims_of(record: &ApiKeyRecord) -> Claims {
    let mut extra = crate::token::Extra::new();
    extra.insert(KEY_NAME_CLAIM.into(), record.name.clone().into());
    Claims {
        sub: subject_of(record),
        jti: record.id.clone(),
        token_type: TokenType::Access,
        fresh: false,
        iat: Some(record.created_at),
        nbf: None,
        exp: claims_end(record),
        iss: None,
        aud: Vec::new(),
        csrf: None,
        scopes: Some(record.scopes.clone()),
        sid: None,
        auth_time: None,
        extra,
    }
}

/// The subject a key acts as: its owner, or `service:<owner>` for a service account, so a
/// service account is never the user of the same name (a user's key cannot be created for a
/// subject starting with `service:`).
pub(crate) fn subject_of(record: &ApiKeyRecord) -> String {
    match record.service {
        true => format!("{SERVICE_PREFIX}{}", record.owner),
        false => record.owner.clone(),
    }
}

/// What a service account's subject starts with.
pub(crate) const SERVICE_PREFIX: &str = "service:";

/// Claims that stand for an API key: they carry its name, which no verified token can (the
/// claim is refused when a token carries it, and dropped from an identity provider's).
pub(crate) fn is_key_claims(claims: &Claims) -> bool {
    claims.extra.contains_key(KEY_NAME_CLAIM)
}

/// A found key's own state: revoked, expired.
fn usable(record: &ApiKeyRecord, now: i64) -> Result<(), AuthError> {
    if record.revoked_at.is_some() {
        return Err(AuthError::Revoked);
    }
    if record.expires_at.is_some_and(|at| at <= now) {
        return Err(AuthError::ApiKey(ApiKeyFailure::Expired));
    }
    Ok(())
}

/// The "route" a key's own rate limit (its tier) is counted under, per key.
const TIER_ROUTE: &str = "api-key-tier";

/// What follows a route in the bucket of a limit per key, before the key's id.
pub(crate) const PER_KEY: &str = "key:";

/// A key that passed its step.
pub(crate) struct KeyPassed {
    pub(crate) claims: Arc<Claims>,
    /// `Some`: its liveness was checked and the route's rate limit (if any) counted in the
    /// lookup's round trip, with this decision; the liveness step is done.
    pub(crate) counted: Option<Option<RateDecision>>,
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// How long the claims of a key without an expiry say they last: ten years.
pub(crate) const NO_EXPIRY_SECS: i64 = 10 * 365 * 86_400;

/// When a key's claims stop verifying: its expiry, else ten years after it was made (as long
/// as its revocation is kept), never past ten years from its creation.
pub(crate) fn claims_end(record: &ApiKeyRecord) -> i64 {
    let horizon = record.created_at.saturating_add(NO_EXPIRY_SECS);
    record.expires_at.map_or(horizon, |at| at.min(horizon))
}

/// The failed-lookups limit (validated when the engine was built; 20 per minute otherwise).
fn failed_lookup_limit(spec: &str) -> (u32, Duration) {
    authx_spec::RateSpec::parse(spec)
        .map(|s| (s.count, s.window))
        .unwrap_or((20, Duration::from_secs(60)))
}

fn limited(d: crate::rate::RateDecision) -> AuthError {
    AuthError::RateLimited {
        retry_after: d.retry_after,
        limit: d.limit,
        reset: d.reset,
    }
}
