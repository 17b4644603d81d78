//! [`Vault`]: seals payloads into Fernet tokens, opens them, deactivates them, and sets and
//! clears their cookie.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::cipher::{FernetCipher, VaultCipher, VaultCipherKind};
use super::codec::{OpenAt as _, OpenEnvelope, OpenError, SealEnvelope};
use super::config::VaultConfig;
use super::extract::VaultPayload;
use crate::clock::SharedClock;
use crate::config::SameSite;
use crate::cookies::SetCookies;
use crate::error::{AuthError, ConfigError, IssueError};
use crate::store::{MemoryStore, RevocationStore, StoreError};

/// Encrypted opaque tokens carrying any serde payload (fastapi-authix's `Vault`).
///
/// Cheap to clone (one `Arc`). Put it in the router state (or make it reachable with
/// [`FromRef`](axum::extract::FromRef)) and read payloads with the
/// [`VaultPayload<T>`](super::VaultPayload) extractor. See the [module docs](super).
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
    /// Where "now" comes from: token expiry on seal and open.
    clock: SharedClock,
}

struct Inner {
    config: VaultConfig,
    codec: Box<dyn VaultCipher>,
    store: Arc<dyn RevocationStore>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("config", &self.inner.config)
            .field("cipher", &self.inner.codec.name())
            .finish_non_exhaustive()
    }
}

/// The revocation-store key of a deactivated vault token: its own namespace, so a store shared
/// with [`Auth`](crate::Auth) never mixes vault ids and JWT ids.
fn revocation_key(jti: &str) -> String {
    format!("vault:{jti}")
}

impl Vault {
    /// Checks `config` and builds the vault, with deactivations kept in memory
    /// ([`MemoryStore`]).
    ///
    /// Fails when the key is not a Fernet key (32 bytes, url-safe base64) or the
    /// configuration cannot work (no location, zero lifetime, bad header or cookie name).
    /// Without a key it makes a random one and warns: tokens then die with the process.
    pub fn new(config: VaultConfig) -> Result<Self, ConfigError> {
        Self::with_store(config, Arc::new(MemoryStore::new()))
    }

    /// Like [`new`](Self::new), keeping deactivated token ids in `store` (shared by every
    /// instance, or with [`StoresInUse::revocation`](crate::StoresInUse::revocation)).
    pub fn with_store(
        config: VaultConfig,
        store: Arc<dyn RevocationStore>,
    ) -> Result<Self, ConfigError> {
        let key = match &config.key {
            Some(key) => key.expose().to_owned(),
            None => {
                tracing::warn!(
                    "authx vault: no key configured (AUTHX_VAULT_KEY); using a random key: \
                     every vault token dies with the process"
                );
                Self::generate_key()
            }
        };
        let bad_key = || ConfigError::Invalid {
            field: "vault.key",
            reason: "not a vault key: expected 32 bytes in url-safe base64 \
                     (env AUTHX_VAULT_KEY; make one with Vault::generate_key)"
                .into(),
        };
        let cipher: Box<dyn VaultCipher> = match config.cipher {
            VaultCipherKind::Fernet => Box::new(FernetCipher::new(&key).ok_or_else(bad_key)?),
            #[cfg(feature = "vault-xchacha")]
            VaultCipherKind::XChaCha20Poly1305 => {
                Box::new(super::cipher::XChaCha20Poly1305Cipher::new(&key).ok_or_else(bad_key)?)
            }
            #[cfg(not(feature = "vault-xchacha"))]
            VaultCipherKind::XChaCha20Poly1305 => {
                return Err(ConfigError::Invalid {
                    field: "vault.cipher",
                    reason: "xchacha20poly1305 needs authx's cargo feature `vault-xchacha`".into(),
                });
            }
        };
        Self::with_cipher(config, cipher, store)
    }

    /// Like [`with_store`](Self::with_store), sealing with `cipher` (one of your own, or a
    /// built-in one made by hand) whatever [`VaultConfig::cipher`] says; `config.key` is not
    /// read.
    pub fn with_cipher(
        config: VaultConfig,
        cipher: Box<dyn VaultCipher>,
        store: Arc<dyn RevocationStore>,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Vault {
            inner: Arc::new(Inner {
                config,
                codec: cipher,
                store,
            }),
            clock: crate::clock::system(),
        })
    }

    /// This vault, reading time from `clock` (the engine's, [`Auth::clock`](crate::Auth::clock),
    /// or a [`ManualClock`](crate::clock::ManualClock) in tests) to stamp and expire its tokens.
    /// Its store reads its own: give [`with_store`](Self::with_store) one on the same clock
    /// ([`MemoryStore::with_clock`], `SqlStore::with_clock`) so deactivations expire by it too.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Seconds since the epoch, on the vault's clock.
    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// A new random key (32 bytes from the OS, url-safe base64), to put in `AUTHX_VAULT_KEY`;
    /// good for every built-in cipher. Python's `Fernet.generate_key()` makes the same kind.
    pub fn generate_key() -> String {
        fernet::Fernet::generate_key()
    }

    /// The configuration.
    pub fn config(&self) -> &VaultConfig {
        &self.inner.config
    }

    /// The revocation store keeping deactivated token ids.
    pub fn revocation_store(&self) -> &Arc<dyn RevocationStore> {
        &self.inner.store
    }

    /// Seals `payload` into a token living [`ttl`](VaultConfig::ttl): the Fernet token of
    /// `{"data": payload, "jti": <uuid>, "exp": <unix seconds>}`.
    ///
    /// Fails when the payload does not serialize or the token would be longer than
    /// [`max_token_size`](VaultConfig::max_token_size) (it would be refused on the way back).
    pub fn seal<T: Serialize + ?Sized>(&self, payload: &T) -> Result<String, IssueError> {
        self.seal_with_ttl(payload, self.inner.config.ttl)
    }

    /// Like [`seal`](Self::seal), for a token living `lifetime`, capped at the vault's
    /// [`ttl`](VaultConfig::ttl) (the Fernet TTL check refuses older tokens anyway).
    pub fn seal_with_ttl<T: Serialize + ?Sized>(
        &self,
        payload: &T,
        lifetime: Duration,
    ) -> Result<String, IssueError> {
        let lifetime = lifetime.min(self.inner.config.ttl);
        let envelope = SealEnvelope {
            data: payload,
            jti: uuid::Uuid::new_v4().to_string(),
            exp: self
                .now()
                .saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX)),
        };
        let json = serde_json::to_vec(&envelope).map_err(|e| IssueError::Data(e.to_string()))?;
        let token = self
            .inner
            .codec
            .seal(&json, u64::try_from(self.now()).unwrap_or(0));
        let max = self.inner.config.max_token_size;
        if token.len() > max {
            return Err(IssueError::Data(format!(
                "the sealed token is {} bytes, above max_token_size ({max})",
                token.len()
            )));
        }
        Ok(token)
    }

    /// Seals `payload` and puts the token in the vault cookie (fastapi-authix's
    /// `set_access_token`). Return it next to a body: `(vault.set(&user)?, Json(body))`.
    /// The cookie is read back only when [`use_cookie`](VaultConfig::use_cookie) is on.
    pub fn set<T: Serialize + ?Sized>(&self, payload: &T) -> Result<SetCookies, IssueError> {
        self.set_with_ttl(payload, self.inner.config.ttl)
    }

    /// Like [`set`](Self::set), for a token (and cookie) living `lifetime`, capped at the
    /// vault's [`ttl`](VaultConfig::ttl).
    pub fn set_with_ttl<T: Serialize + ?Sized>(
        &self,
        payload: &T,
        lifetime: Duration,
    ) -> Result<SetCookies, IssueError> {
        let lifetime = lifetime.min(self.inner.config.ttl);
        let token = self.seal_with_ttl(payload, lifetime)?;
        let secs = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        let cookie = self
            .cookie(&token)
            .max_age(cookie::time::Duration::seconds(secs))
            .build();
        let value = HeaderValue::from_str(&cookie.to_string())
            .map_err(|_| IssueError::Data("the vault cookie is not a valid header".into()))?;
        Ok(SetCookies::from_values(vec![value]))
    }

    /// Clears the vault cookie (fastapi-authix's `remove_access_token`). The token itself stays
    /// valid until it expires: [`disable`](Self::disable) it on logout.
    pub fn remove(&self) -> SetCookies {
        let cookie = self
            .cookie("")
            .max_age(cookie::time::Duration::ZERO)
            .expires(cookie::time::OffsetDateTime::UNIX_EPOCH)
            .build();
        // The name, path and domain come from the validated config; an invalid one yields an
        // empty value rather than a panic.
        let value = HeaderValue::from_str(&cookie.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        SetCookies::from_values(vec![value])
    }

    fn cookie<'c>(&self, value: &str) -> cookie::CookieBuilder<'c> {
        let c = &self.inner.config.cookie;
        let mut b = cookie::Cookie::build((c.name.clone(), value.to_owned()))
            .path(c.path.clone())
            .secure(c.secure)
            .http_only(c.http_only)
            .same_site(match c.same_site {
                SameSite::Lax => cookie::SameSite::Lax,
                SameSite::Strict => cookie::SameSite::Strict,
                SameSite::None => cookie::SameSite::None,
            });
        if let Some(domain) = &c.domain {
            b = b.domain(domain.clone());
        }
        b
    }

    /// Opens `token` into its payload: decrypts it, checks its `exp` and Fernet TTL, then
    /// asks the revocation store whether it was [disabled](Self::disable).
    ///
    /// Refuses with [`AuthError::VaultTokenInvalid`] (forged, tampered with, garbage, too
    /// large, a payload of another shape), [`AuthError::Expired`], [`AuthError::Revoked`]
    /// (disabled), or [`AuthError::StoreUnavailable`].
    pub async fn open<T: DeserializeOwned>(&self, token: &str) -> Result<T, AuthError> {
        Ok(self.open_payload(token).await?.data)
    }

    /// Like [`open`](Self::open), with the token's id, expiry and the token itself.
    pub async fn open_payload<T: DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<VaultPayload<T>, AuthError> {
        let envelope = self.decrypt(token, self.now())?;
        let key = revocation_key(&envelope.jti);
        if self.store_call(self.inner.store.is_revoked(&key)).await? {
            return Err(AuthError::Revoked);
        }
        let data = T::deserialize(envelope.data).map_err(|e| {
            tracing::debug!(error = %e, "authx vault: payload does not fit the requested type");
            AuthError::VaultTokenInvalid
        })?;
        Ok(VaultPayload {
            data,
            jti: envelope.jti,
            exp: envelope.exp,
            token: token.to_owned(),
        })
    }

    /// Deactivates `token` (fastapi-authix's `disable_access_token`): its id stays in the
    /// revocation store until it expires, and [`open`](Self::open) refuses it with
    /// [`AuthError::Revoked`] meanwhile. Disabling an expired token does nothing; disabling
    /// twice is harmless. A token that does not open is refused.
    pub async fn disable(&self, token: &str) -> Result<(), AuthError> {
        let envelope = match self.decrypt(token, self.now()) {
            Ok(envelope) => envelope,
            Err(AuthError::Expired) => return Ok(()),
            Err(e) => return Err(e),
        };
        let key = revocation_key(&envelope.jti);
        self.store_call(self.inner.store.revoke(&key, envelope.exp))
            .await
    }

    /// The request's token (cookie first, then header, as configured); `None` when there is
    /// none. Refuses a location holding two tokens, as ambiguous.
    pub fn token<'p>(&self, parts: &'p Parts) -> Result<Option<&'p str>, AuthError> {
        let config = &self.inner.config;
        if config.use_cookie
            && let Some(token) = cookie(parts, &config.cookie.name)?
        {
            return Ok(Some(token));
        }
        if config.use_header {
            let mut values = parts.headers.get_all(config.header_name.as_str()).iter();
            if let Some(value) = values.next() {
                if values.next().is_some() {
                    return Err(AuthError::VaultTokenInvalid);
                }
                let value = value
                    .to_str()
                    .map_err(|_| AuthError::VaultTokenInvalid)?
                    .trim();
                if !value.is_empty() {
                    return Ok(Some(value));
                }
            }
        }
        Ok(None)
    }

    /// The request's payload (fastapi-authix's `require_data`): [`token`](Self::token), then
    /// [`open_payload`](Self::open_payload). No token: [`AuthError::VaultTokenMissing`].
    pub async fn require<T: DeserializeOwned>(
        &self,
        parts: &Parts,
    ) -> Result<VaultPayload<T>, AuthError> {
        let token = self.token(parts)?.ok_or(AuthError::VaultTokenMissing)?;
        self.open_payload(token).await
    }

    /// Decrypts and checks the envelope's times; no store call.
    fn decrypt(&self, token: &str, now: i64) -> Result<OpenEnvelope, AuthError> {
        let config = &self.inner.config;
        let now_secs = u64::try_from(now).unwrap_or(0);
        let plaintext = self
            .inner
            .codec
            .open_at(token, config.ttl.as_secs(), now_secs, config.max_token_size)
            .map_err(|e| match e {
                OpenError::Invalid => AuthError::VaultTokenInvalid,
                OpenError::Expired => AuthError::Expired,
            })?;
        let envelope: OpenEnvelope =
            serde_json::from_slice(&plaintext).map_err(|_| AuthError::VaultTokenInvalid)?;
        if now >= envelope.exp {
            return Err(AuthError::Expired);
        }
        Ok(envelope)
    }

    /// Runs a store call within [`store_timeout`](VaultConfig::store_timeout).
    async fn store_call<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, AuthError> {
        crate::store::bounded(self.inner.config.store_timeout, call)
            .await
            .map_err(AuthError::StoreUnavailable)
    }
}

/// The value of cookie `name`, on the one cookie reader ([`crate::cookies::request`]); two are
/// ambiguous, hence an invalid vault token.
fn cookie<'p>(parts: &'p Parts, name: &str) -> Result<Option<&'p str>, AuthError> {
    crate::cookies::request::find(&parts.headers, name).map_err(|_| AuthError::VaultTokenInvalid)
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
