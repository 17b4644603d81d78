//! [`JwksIssuer`]: one provider's key cache, its refreshes, and token verification.

use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use jsonwebtoken::Algorithm;
use tokio::sync::{Mutex, oneshot};

use super::claims::check_and_map;
use super::config::IssuerConfig;
use super::fetch::{Fetcher, check_url};
use super::keys::{ProviderKey, parse_key_set};
use crate::config::{ConfigError, VerifyCache};
use crate::error::{AuthError, DecodeFailure};
use crate::token::times::check_times;
use crate::token::{Claims, jws::Jws, raw_claims::UniqueClaims, verified_cache::VerifiedCache};

/// One identity provider: its configuration and a cache of the keys it publishes.
///
/// Keys are fetched when the issuer is created (inside a Tokio runtime), again every
/// [`refresh_interval`](IssuerConfig::refresh_interval) by a background task that ends when
/// the last clone is dropped, and when a token names a `kid` the cache does not know (at most
/// once per [`min_refetch_interval`](IssuerConfig::min_refetch_interval)). A failed fetch
/// keeps the cached keys. Usually built for you by
/// [`AuthBuilder::issuer`](crate::AuthBuilder::issuer); usable alone to verify a token.
#[derive(Clone)]
pub struct JwksIssuer {
    inner: Arc<State>,
}

struct State {
    config: IssuerConfig,
    fetcher: Fetcher,
    keys: RwLock<Arc<KeyCache>>,
    /// Held while fetching: concurrent misses wait for one fetch instead of each making one.
    fetching: Mutex<FetchState>,
    verify_cache: VerifyCache,
    /// Dropped with the state, which stops the refresh task.
    _stop: oneshot::Sender<()>,
}

#[derive(Default)]
struct KeyCache {
    keys: Vec<ProviderKey>,
    /// Bumped by every successful fetch; 0 until the first.
    generation: u64,
    /// Signatures these keys verified: a changed key set starts empty, so nothing a withdrawn
    /// key signed stays verified; a refetch of the same keys keeps it.
    verified: Option<Arc<VerifiedCache>>,
}

#[derive(Default)]
struct FetchState {
    last_attempt: Option<Instant>,
    /// The `jwks_uri` found by discovery, until a fetch from it fails.
    discovered: Option<String>,
}

impl std::fmt::Debug for JwksIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksIssuer")
            .field("issuer", &self.inner.config.issuer)
            .field("keys", &self.key_count())
            .finish_non_exhaustive()
    }
}

impl JwksIssuer {
    /// Checks `config` and starts the issuer; inside a Tokio runtime it also starts fetching
    /// keys and the background refresh (outside one, keys are fetched by the first token).
    pub fn new(config: IssuerConfig) -> Result<Self, ConfigError> {
        Self::start(config, VerifyCache::default())
    }

    /// [`new`](Self::new), remembering verified tokens as `verify_cache` says (an
    /// [`Auth`](crate::Auth)'s issuers follow its [`verify_cache`](crate::AuthConfig::verify_cache)).
    pub(crate) fn start(
        config: IssuerConfig,
        verify_cache: VerifyCache,
    ) -> Result<Self, ConfigError> {
        super::config::validate(&config)?;
        crate::token::crypto_backend();
        let fetcher = Fetcher::new(config.allow_insecure_http)?;
        let (stop, stopped) = oneshot::channel();
        let issuer = JwksIssuer {
            inner: Arc::new(State {
                config,
                fetcher,
                keys: RwLock::new(Arc::default()),
                fetching: Mutex::new(FetchState::default()),
                verify_cache,
                _stop: stop,
            }),
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(refresh_task(Arc::downgrade(&issuer.inner), stopped));
        }
        Ok(issuer)
    }

    /// The configuration.
    pub fn config(&self) -> &IssuerConfig {
        &self.inner.config
    }

    /// The size of this issuer's verified-token cache (see
    /// [`VerifyCache`](crate::config::VerifyCache)).
    pub fn verify_cache_size(&self) -> crate::CacheSize {
        self.cache()
            .verified
            .as_ref()
            .map(|c| c.size())
            .unwrap_or_default()
    }

    /// How many usable keys are cached.
    pub fn key_count(&self) -> usize {
        self.cache().keys.len()
    }

    /// Fetches the keys now (bounded by [`fetch_timeout`](IssuerConfig::fetch_timeout)),
    /// whatever the rate limit. On failure the cached keys stay.
    pub async fn refresh(&self) -> Result<(), AuthError> {
        let mut state = self.inner.fetching.lock().await;
        self.inner.fetch(&mut state).await
    }

    /// Verifies a token of this issuer: algorithm, key (by `kid`), signature, `iss`, `aud`,
    /// `exp`/`nbf`/`iat` with the leeway; then maps its claims (see
    /// [`ClaimsMapping`](super::ClaimsMapping)). Refusals are the [`AuthError`]s of authx's
    /// own tokens; no key at all (the provider never answered) is
    /// [`AuthError::KeysUnavailable`].
    pub async fn verify(&self, token: &str, now: i64) -> Result<Arc<Claims>, AuthError> {
        let leeway = i64::try_from(self.inner.config.leeway.as_secs()).unwrap_or(i64::MAX);
        let mut cache = self.cache();
        if let Some(claims) = cache.verified.as_ref().and_then(|v| v.get(token, now)) {
            check_times(&*claims, now, leeway, false)?;
            return Ok(claims);
        }
        let jws = Jws::parse(token)?;
        let alg = jws.alg;
        if !self
            .inner
            .config
            .algorithms
            .iter()
            .any(|a| a.to_jwt() == alg)
        {
            return Err(AuthError::Decode(DecodeFailure::Algorithm));
        }
        let kid = jws.kid.as_deref();
        if !cache.has_key_for(kid) {
            self.inner.refetch_after_miss(cache.generation).await;
            cache = self.cache();
            if cache.generation == 0 {
                return Err(AuthError::KeysUnavailable);
            }
            if !cache.has_key_for(kid) {
                return Err(AuthError::Decode(DecodeFailure::UnknownKey));
            }
        }
        jws.verify_any(
            cache
                .candidates(kid)
                .filter(|k| k.allows(alg))
                .map(|k| (&k.key, None)),
        )?;
        let claims = Arc::new(check_and_map(
            &self.inner.config,
            jws.claims::<UniqueClaims>()?.0,
            token,
            now,
        )?);
        if let Some(verified) = &cache.verified {
            // Providers sign with RSA, ECDSA or EdDSA: worth keeping from the first time.
            verified.insert(
                token,
                claims.clone(),
                claims.exp.saturating_add(leeway),
                now,
                false,
            );
        }
        Ok(claims)
    }

    fn cache(&self) -> Arc<KeyCache> {
        self.inner.cache()
    }
}

impl KeyCache {
    /// Keys a token naming `kid` may be verified with: that key, or every key when the token
    /// names none.
    fn candidates<'a>(&'a self, kid: Option<&'a str>) -> impl Iterator<Item = &'a ProviderKey> {
        self.keys
            .iter()
            .filter(move |k| kid.is_none() || k.kid.as_deref() == kid)
    }

    fn has_key_for(&self, kid: Option<&str>) -> bool {
        self.candidates(kid).next().is_some()
    }
}

impl State {
    fn cache(&self) -> Arc<KeyCache> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// After a cache miss seen at `generation`: waits for a fetch in progress, or fetches
    /// unless one was attempted less than `min_refetch_interval` ago.
    async fn refetch_after_miss(&self, generation: u64) {
        let mut state = self.fetching.lock().await;
        if self.cache().generation != generation {
            return; // someone fetched while we waited
        }
        if state
            .last_attempt
            .is_some_and(|t| t.elapsed() < self.config.min_refetch_interval)
        {
            return;
        }
        // Already logged; the caller answers from whatever the cache holds.
        let _ = self.fetch(&mut state).await;
    }

    /// One fetch, bounded by the fetch timeout; on success the key set replaces the cache.
    async fn fetch(&self, state: &mut FetchState) -> Result<(), AuthError> {
        state.last_attempt = Some(Instant::now());
        let limit = self.config.fetch_timeout;
        let result = match tokio::time::timeout(limit, self.load(state)).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {limit:?}")),
        };
        crate::metrics::jwks_fetch(&self.config.issuer, result.is_ok());
        match result {
            Ok(keys) => {
                let mut slot = self.keys.write().unwrap_or_else(|p| p.into_inner());
                let generation = slot.generation + 1;
                tracing::debug!(issuer = %self.config.issuer, keys = keys.len(), "authx jwks: keys fetched");
                let same = slot.keys.len() == keys.len()
                    && slot
                        .keys
                        .iter()
                        .zip(&keys)
                        .all(|(a, b)| a.source == b.source);
                let verified = match &slot.verified {
                    Some(kept) if same => Some(kept.clone()),
                    _ => VerifiedCache::for_config(&self.verify_cache).map(Arc::new),
                };
                *slot = Arc::new(KeyCache {
                    keys,
                    generation,
                    verified,
                });
                Ok(())
            }
            Err(reason) => {
                let cached = self.cache().keys.len();
                if cached == 0 {
                    tracing::warn!(issuer = %self.config.issuer, error = %reason, "authx jwks: could not fetch keys; none cached, so this issuer's tokens get 503");
                } else {
                    tracing::warn!(issuer = %self.config.issuer, error = %reason, cached, "authx jwks: could not fetch keys; keeping the cached ones");
                }
                Err(AuthError::KeysUnavailable)
            }
        }
    }

    async fn load(&self, state: &mut FetchState) -> Result<Vec<ProviderKey>, String> {
        let url = match (&self.config.jwks_url, &state.discovered) {
            (Some(url), _) | (None, Some(url)) => url.clone(),
            (None, None) => {
                let url = self.discover().await?;
                state.discovered = Some(url.clone());
                url
            }
        };
        let body = match self.fetcher.get(&url).await {
            Ok(body) => body,
            Err(e) => {
                state.discovered = None; // discover again next time: the provider may have moved it
                return Err(e);
            }
        };
        let accepted: Vec<Algorithm> = self.config.algorithms.iter().map(|a| a.to_jwt()).collect();
        let (keys, skipped) = parse_key_set(&body, &accepted).map_err(|e| format!("{url}: {e}"))?;
        if !skipped.is_empty() {
            tracing::debug!(issuer = %self.config.issuer, skipped = ?skipped, "authx jwks: keys skipped");
        }
        if keys.is_empty() {
            return Err(format!("{url}: no usable signature key"));
        }
        Ok(keys)
    }

    /// The `jwks_uri` of the issuer's OpenID Connect configuration, whose `issuer` must be ours.
    async fn discover(&self) -> Result<String, String> {
        #[derive(serde::Deserialize)]
        struct Discovery {
            issuer: String,
            jwks_uri: String,
        }
        let url = self.config.discovery_url();
        let doc: Discovery = self.fetcher.get_json(&url).await?;
        if doc.issuer != self.config.issuer {
            return Err(format!(
                "{url}: names issuer {:?}, not {:?}",
                doc.issuer, self.config.issuer
            ));
        }
        check_url(&doc.jwks_uri, self.config.allow_insecure_http)?;
        Ok(doc.jwks_uri)
    }
}

/// Fetches at once, then every `refresh_interval` (every `min_refetch_interval` while no key
/// was ever fetched), until the issuer is dropped.
async fn refresh_task(state: Weak<State>, mut stopped: oneshot::Receiver<()>) {
    loop {
        let wait = {
            let Some(state) = state.upgrade() else {
                return;
            };
            {
                let mut fetching = state.fetching.lock().await;
                let _ = state.fetch(&mut fetching).await;
            }
            if state.cache().generation == 0 {
                state
                    .config
                    .min_refetch_interval
                    .max(Duration::from_secs(1))
            } else {
                state.config.refresh_interval
            }
        };
        // Ends the task as soon as the issuer is dropped (its sender goes with it).
        if tokio::time::timeout(wait, &mut stopped).await.is_ok() {
            return;
        }
    }
}
