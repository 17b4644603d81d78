//! [`Keys`]: this service's keys.

use crate::Auth;
use crate::config::ConfigError;

/// This service's keys, from [`Auth::keys`]: the public JWK Set, reloading a rotated
/// [`keys_file`](crate::AuthConfig::keys_file), the verified-token cache, and the
/// identity providers whose tokens are accepted too (feature `jwks`).
///
/// ```
/// use authx::{Auth, AuthConfig};
///
/// let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
/// // An HMAC secret is never published: the set is empty.
/// assert_eq!(auth.keys().jwks()["keys"].as_array().unwrap().len(), 0);
/// // Without a key file there is nothing to reload.
/// auth.keys().reload().unwrap();
/// ```
#[derive(Clone, Copy)]
pub struct Keys<'a> {
    pub(super) auth: &'a Auth,
}

impl std::fmt::Debug for Keys<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").finish_non_exhaustive()
    }
}

impl<'a> Keys<'a> {
    /// The public JWK Set (RFC 7517) of the keys this service's tokens verify with: with a
    /// [`keys_file`](crate::AuthConfig::keys_file), the current, next and previous keys, each
    /// with its `kid`. HMAC secrets are never published: a service on a shared secret has an
    /// empty set. Served by [`oauth::jwks_router`](crate::oauth::jwks_router) at
    /// `/.well-known/jwks.json`.
    pub fn jwks(&self) -> serde_json::Value {
        self.auth.jwks()
    }

    /// Re-reads the [`keys_file`](crate::AuthConfig::keys_file) and swaps the keys in, without
    /// a restart: after `authx keys rotate`, the former next key signs and the former current
    /// key keeps verifying. A file that does not load leaves the keys in use unchanged (and
    /// the error says why). Without a key file, there is nothing to reload.
    /// [`keys_reload_interval`](crate::AuthConfig::keys_reload_interval) does this on a timer.
    pub fn reload(&self) -> Result<(), ConfigError> {
        self.auth.reload_keys()
    }

    /// The size of the verified-token cache of this service's own keys (see
    /// [`VerifyCache`](crate::config::VerifyCache)); zero when it is off.
    pub fn verify_cache_size(&self) -> crate::CacheSize {
        self.auth.verify_cache_size()
    }

    /// The identity providers whose tokens are accepted (feature `jwks`), in no particular
    /// order.
    #[cfg(feature = "jwks")]
    pub fn issuers(&self) -> impl Iterator<Item = &'a crate::jwks::JwksIssuer> + use<'a> {
        self.auth.issuers()
    }
}
