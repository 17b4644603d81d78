//! Step 2 of the one verification path for an API key: the key checked and its record read,
//! then claims for it, so every later step (type, liveness with the key's id, the route's
//! rate limit, scopes, policy) runs on it as on a token's.
//!
//! In order: the client IP's failed lookups (an IP past
//! [`failed_lookups`](crate::config::ApiKeyConfig::failed_lookups) is refused with `429` before
//! anything else), the key's form and checksum (a typo costs no store call), the record by the
//! key's keyed digest (compared in constant time), revoked, expired, the addresses it allows,
//! its own rate limit; its last use is written at most once per touch interval.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use http::request::Parts;

use super::Auth;
use crate::api_key::format;
use crate::error::{ApiKeyFailure, AuthError};
use crate::guard::{RateKeyRule, RateRule};
use crate::rate::TrustedProxies;
use crate::store::ApiKeyRecord;
use crate::token::{Claims, TokenType};

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

/// The claims' extra value naming the key, as `Claims::extra["api_key_name"]`.
pub(crate) const KEY_NAME_CLAIM: &str = "api_key_name";

impl Auth {
    /// The API-key step: the claims the key stands for, or why it is refused.
    pub(crate) async fn verify_api_key(
        &self,
        parts: &mut Parts,
        key: &str,
    ) -> Result<Arc<Claims>, AuthError> {
        let config = &self.config().api_keys;
        let (count, window) = failed_lookup_limit(&config.failed_lookups);
        let ip = self.client_ip(parts);
        // Without the client's address every client would share one bucket, and anyone could
        // lock every key out: no limit then (the app serves without connect info, or behind
        // a proxy it does not trust; authx warns about that once).
        let failures = ip
            .addr()
            .map(|_| format!("apikey-failures|ip:{}", ip.key()));
        if let Some(refused) = failures
            .as_deref()
            .and_then(|f| self.still_blocked(f, count))
        {
            return Err(refused);
        }
        let Some(pepper) = &config.pepper else {
            tracing::error!("authx: an API key arrived and no api_keys.pepper is configured");
            return Err(AuthError::ApiKey(ApiKeyFailure::Invalid));
        };
        let mut record = None;
        if key.len() <= format::MAX_LEN && format::is_well_formed(&config.prefix, key) {
            let digest = format::digest(pepper.expose().as_bytes(), key);
            let found = self
                .store_call(self.inner.stores.api_keys.key_by_digest(&digest))
                .await?;
            record = found.filter(|r| format::same_digest(&r.digest, &digest));
        }
        let Some(record) = record else {
            let Some(failures) = failures else {
                return Err(AuthError::ApiKey(ApiKeyFailure::Invalid));
            };
            let charged = self.rate_limiter().check(&failures, count, window);
            let after = self.store_call(charged).await?;
            if !after.allowed {
                self.block(failures, after.retry_after);
                return Err(limited(after));
            }
            if after.remaining == 0 {
                // The last failure allowed: nothing more until a cell refills (GCRA's
                // emission interval).
                self.block(failures, window / count.max(1));
            }
            return Err(AuthError::ApiKey(ApiKeyFailure::Invalid));
        };
        let now = self.now();
        if record.revoked_at.is_some() {
            return Err(AuthError::Revoked);
        }
        if record.expires_at.is_some_and(|at| at <= now) {
            return Err(AuthError::ApiKey(ApiKeyFailure::Expired));
        }
        if !record.allowed_ips.is_empty() {
            // Checked when the key was created; a record that no longer parses allows nothing.
            let allowed = TrustedProxies::parse(&record.allowed_ips)
                .is_ok_and(|nets| ip.addr().is_some_and(|a| nets.contains(a)));
            if !allowed {
                return Err(AuthError::ApiKey(ApiKeyFailure::Address));
            }
        }
        let claims = Arc::new(claims_of(&record));
        parts.extensions.insert(KeyUsed {
            claims: claims.clone(),
            id: record.id.as_str().into(),
            name: record.name.as_str().into(),
            service: record.service,
        });
        if let Some(spec) = &record.rate {
            // Checked when the key was created; a tier that no longer parses allows nothing.
            let spec = authx_spec::RateSpec::parse(spec)
                .map_err(|_| AuthError::ApiKey(ApiKeyFailure::Invalid))?;
            let tier = RateRule {
                count: spec.count,
                window_ms: spec.window_millis(),
                key: RateKeyRule::ApiKey,
            };
            self.check_rate(parts, "api-key-tier", &tier, Some(&claims))
                .await?;
        }
        self.touch_key_later(&record, now);
        Ok(claims)
    }

    /// A client IP's failures are charged to the shared limiter (exact across instances); the
    /// IP the limiter refused is then refused by this instance until its bucket refills,
    /// without a store call. So a good key costs no limiter round trip, and an address past its
    /// limit gets no lookup (on another instance, at most the one that finds it over).
    fn still_blocked(&self, failures: &str, count: u32) -> Option<AuthError> {
        let now = self.inner.clock.now_micros();
        let mut blocked = self
            .inner
            .key_failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let until = *blocked.get(failures)?;
        if until <= now {
            blocked.remove(failures);
            return None;
        }
        let wait = Duration::from_micros(u64::try_from(until - now).unwrap_or(0));
        Some(AuthError::RateLimited {
            retry_after: wait,
            limit: count,
            reset: wait,
        })
    }

    fn block(&self, failures: String, retry_after: Duration) {
        let until = self
            .inner
            .clock
            .now_micros()
            .saturating_add(i64::try_from(retry_after.as_micros()).unwrap_or(i64::MAX));
        let mut blocked = self
            .inner
            .key_failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if blocked.len() >= super::session::TOUCH_MEMORY {
            let now = self.inner.clock.now_micros();
            blocked.retain(|_, until| *until > now);
        }
        if blocked.len() >= super::session::TOUCH_MEMORY {
            // Still full of live blocks: the one ending first goes.
            let first = blocked.iter().min_by_key(|(_, until)| **until);
            if let Some(first) = first.map(|(k, _)| k.clone()) {
                blocked.remove(&first);
            }
        }
        blocked.insert(failures, until);
    }

    /// Records the key's use, in the background, unless it was recorded within the touch
    /// interval (by the record, or by this process since).
    fn touch_key_later(&self, record: &ApiKeyRecord, now: i64) {
        let interval = i64::try_from(self.config().api_keys.touch_interval_secs).unwrap_or(60);
        if record.last_used_at.is_some_and(|at| now - at < interval) {
            return;
        }
        {
            let mut touched = self
                .inner
                .touched
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let slot = format!("apikey:{}", record.id);
            if touched.get(&slot).is_some_and(|t| now - t < interval) {
                return;
            }
            if touched.len() > super::session::TOUCH_MEMORY {
                touched.clear();
            }
            touched.insert(slot, now);
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

/// The claims an API key stands for: its owner as subject, its id as `jti` (so revoking the
/// id refuses it, through the revocation store and the near-cache), its scopes; never fresh,
/// no login time, no session.
fn claims_of(record: &ApiKeyRecord) -> Claims {
    let mut extra = crate::token::Extra::new();
    extra.insert(KEY_NAME_CLAIM.into(), record.name.clone().into());
    Claims {
        sub: record.owner.clone(),
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
