//! This service's own keys: the public JWK Set, and reloading a rotated key file.

use std::sync::{Arc, Weak};

use super::{Auth, Inner};
use crate::config::ConfigError;
use crate::token::keys::KeySet;

impl Auth {
    /// The public JWK Set (RFC 7517) of the keys this service's tokens verify with: with a
    /// [`keys_file`](crate::AuthConfig::keys_file), the current, next and previous keys, each
    /// with its `kid`. HMAC secrets are never published: a service on a shared secret has an
    /// empty set. Served by [`oauth::jwks_router`](crate::oauth::jwks_router) at
    /// `/.well-known/jwks.json`.
    pub(crate) fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": self.codec().keys().public_jwks() })
    }

    /// The size of the verified-token cache of this service's own keys (see
    /// [`VerifyCache`](crate::config::VerifyCache)); zero when it is off.
    pub(crate) fn verify_cache_size(&self) -> crate::CacheSize {
        self.codec().verify_cache_size()
    }

    /// Re-reads the [`keys_file`](crate::AuthConfig::keys_file) and swaps the keys in, without
    /// a restart: after `authx keys rotate`, the former next key signs and the former current
    /// key keeps verifying. A file that does not load leaves the keys in use unchanged (and
    /// the error says why). Without a key file, there is nothing to reload.
    pub(crate) fn reload_keys(&self) -> Result<(), ConfigError> {
        if self.config().keys_file.is_none() {
            return Ok(());
        }
        let keys = KeySet::load(self.config())?;
        let kid = keys.signer.as_ref().and_then(|s| s.header.kid.clone());
        self.codec().replace_keys(keys);
        tracing::info!(target: "authx", kid = ?kid, "authx: keys reloaded");
        Ok(())
    }
}

/// Re-reads the key file every `keys_reload_interval`, for as long as the engine lives (the
/// task holds it weakly). Needs a Tokio runtime; without one, only `auth.keys().reload()` reloads.
pub(super) fn spawn_reloader(auth: &Auth) {
    let Some(every) = auth.config().keys_reload_interval.filter(|d| !d.is_zero()) else {
        return;
    };
    if auth.config().keys_file.is_none() {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!(
            target: "authx",
            "authx: keys_reload_interval is set but there is no Tokio runtime: call auth.keys().reload()"
        );
        return;
    };
    let weak: Weak<Inner> = Arc::downgrade(&auth.inner);
    runtime.spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let Some(inner) = weak.upgrade() else {
                return;
            };
            let auth = Auth { inner };
            if let Err(e) = auth.reload_keys() {
                tracing::error!(target: "authx", error = %e, "authx: key file reload failed; keeping the keys in use");
            }
        }
    });
}
