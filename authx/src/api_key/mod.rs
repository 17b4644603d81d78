//! API keys: long-lived credentials for scripts and services, behind the same attribute as
//! tokens (`#[protect(api_key)]`, `#[protect(credentials = "bearer | api_key")]`), through the
//! same verification path, with one audit trail.
//!
//! A key is `<prefix>_<43 base62 characters><6 base62 characters of CRC32>` (see
//! [`ApiKeyConfig`](crate::config::ApiKeyConfig)); the store keeps only its keyed digest, so
//! the key is shown once, when [created](crate::ApiKeys::create). It comes in `X-API-Key` or
//! `Authorization: ApiKey <key>` (both configurable; never in the query unless configured).
//! A key stands for claims: its owner as subject, its id as `jti`, its scopes, never fresh. So
//! scopes, policies, `#[auth_subject]` loaders and rate limits work on keys as on tokens, and
//! revoking a key goes through the revocation store (and the near-cache) like a token's.
//!
//! ```
//! use authx::{Auth, AuthConfig};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let auth = Auth::new(
//!     AuthConfig::builder()
//!         .secret_key("k".repeat(32))
//!         .api_key_pepper("p".repeat(32))
//!         .api_key_prefix("acme_live")
//!         .build(),
//! )
//! .unwrap();
//! let issued = auth
//!     .api_keys()
//!     .create("user-1")
//!     .name("deploy script")
//!     .scopes(["deploy:*"])
//!     .issue()
//!     .await
//!     .unwrap();
//! assert!(issued.key().starts_with("acme_live_"));
//! let listed = auth.api_keys().list(Some("user-1")).await.unwrap();
//! assert_eq!(listed[0].id, issued.record.id);
//! auth.api_keys().revoke(&issued.record.id).await.unwrap();
//! # }
//! ```

pub(crate) mod format;

use crate::store::{ApiKeyRecord, StoreError};

/// A key just created: the key itself (shown once: only its digest is stored) and its
/// record.
#[derive(Clone)]
#[non_exhaustive]
pub struct IssuedApiKey {
    key: String,
    /// What the store keeps.
    pub record: ApiKeyRecord,
}

impl IssuedApiKey {
    pub(crate) fn new(key: String, record: ApiKeyRecord) -> Self {
        IssuedApiKey { key, record }
    }

    /// The key, to hand to its owner now: it cannot be read again.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl std::fmt::Debug for IssuedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedApiKey")
            .field("key", &"<redacted>")
            .field("record", &self.record)
            .finish()
    }
}

/// Why an API key could not be created, rotated or revoked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// No [`pepper`](crate::config::ApiKeyConfig::pepper) is configured.
    #[error("API keys need a pepper: set api_keys.pepper (AUTHX_API_KEY_PEPPER)")]
    NoPepper,
    /// Something given for the key is invalid (a scope, a rate spec, an address).
    #[error("invalid API key settings: {0}")]
    Invalid(String),
    /// There is no key with that id.
    #[error("no API key {0}")]
    NotFound(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The system's random generator failed.
    #[error("no randomness for a new key: {0}")]
    Random(getrandom::Error),
}
