//! [`VaultConfig`]: the key, where tokens travel, their lifetime and the cookie's attributes.

use crate::wire::{de_millis, de_secs};
use std::time::Duration;

use serde::Deserialize;

use super::cipher::VaultCipherKind;
use crate::config::{SameSite, Secret};
use crate::error::ConfigError;

/// Every variable [`VaultConfig::from_env`] reads, for docs and `--help` output.
pub const VAULT_ENV_VARS: &[(&str, &str)] = &[
    (
        "AUTHX_VAULT_KEY",
        "Fernet key: 32 random bytes, url-safe base64 (default: a random key per process)",
    ),
    (
        "AUTHX_VAULT_TTL",
        "vault token lifetime, seconds (default 3600)",
    ),
    (
        "AUTHX_VAULT_CIPHER",
        "`fernet` (default) or `xchacha20poly1305` (feature `vault-xchacha`)",
    ),
];

/// Everything a [`Vault`](super::Vault) needs. Build with [`VaultConfig::builder`], deserialize
/// (durations are seconds, `store_timeout` milliseconds), or read `AUTHX_VAULT_*` with
/// [`VaultConfig::from_env`]. Field docs give each default; nothing is checked until
/// [`Vault::new`](super::Vault::new).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct VaultConfig {
    /// The Fernet key: 32 bytes, url-safe base64 (`Fernet.generate_key()` in Python,
    /// [`Vault::generate_key`](super::Vault::generate_key) here). Default none: a random key is
    /// made at start, with a warning, and every token dies with the process.
    pub key: Option<Secret>,
    /// The cipher sealing tokens (`fernet` or `xchacha20poly1305` in serde). Default
    /// [`Fernet`](VaultCipherKind::Fernet), which any Fernet implementation reads;
    /// XChaCha20-Poly1305 needs the cargo feature `vault-xchacha`. Both take the same kind of
    /// key.
    pub cipher: VaultCipherKind,
    /// Lifetime of sealed tokens, seconds in serde: both the payload's `exp` and the Fernet TTL
    /// checked against the token's timestamp. Default 1 hour (fastapi-authix's `time_to_live`).
    #[serde(deserialize_with = "de_secs")]
    pub ttl: Duration,
    /// Read tokens from the cookie. Default `true`.
    pub use_cookie: bool,
    /// Read tokens from the header. Default `false`. With both on, the cookie wins when a
    /// request carries both.
    pub use_header: bool,
    /// The header carrying a token (the raw token, no scheme). Default `X-Vault-Token`.
    pub header_name: String,
    /// The cookie's name and attributes.
    pub cookie: VaultCookieConfig,
    /// Longest token accepted or issued, in bytes; longer ones are refused before any
    /// decryption. Default 16 KiB. Browsers drop cookies above about 4 KiB: keep cookie
    /// payloads small.
    pub max_token_size: usize,
    /// Bound on each revocation-store call; past it the request fails with `503`. Milliseconds
    /// in serde. Default 250 ms.
    #[serde(deserialize_with = "de_millis")]
    pub store_timeout: Duration,
}

/// The vault cookie: name and attributes. `Max-Age` is the token's lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct VaultCookieConfig {
    /// Cookie name. Default `vault_token`.
    pub name: String,
    /// `Path`. Default `/`.
    pub path: String,
    /// `Secure`. Default `true`; turn off only for plain-HTTP development.
    pub secure: bool,
    /// `HttpOnly`. Default `true`: scripts have no business reading an opaque token.
    pub http_only: bool,
    /// `SameSite`. Default `lax`. The vault has no CSRF double submit: `SameSite` is what keeps
    /// cross-site requests from carrying the cookie (`strict` for the strongest guarantee).
    pub same_site: SameSite,
    /// `Domain`. Default none (host-only).
    pub domain: Option<String>,
}

impl Default for VaultCookieConfig {
    fn default() -> Self {
        VaultCookieConfig {
            name: "vault_token".into(),
            path: "/".into(),
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            domain: None,
        }
    }
}

impl Default for VaultConfig {
    fn default() -> Self {
        VaultConfig {
            key: None,
            cipher: VaultCipherKind::Fernet,
            ttl: Duration::from_secs(3600),
            use_cookie: true,
            use_header: false,
            header_name: "X-Vault-Token".into(),
            cookie: VaultCookieConfig::default(),
            max_token_size: 16 * 1024,
            store_timeout: Duration::from_millis(250),
        }
    }
}

impl VaultConfig {
    /// Starts a builder from the defaults.
    ///
    /// ```
    /// use authx::vault::VaultConfig;
    /// use std::time::Duration;
    ///
    /// let config = VaultConfig::builder()
    ///     .key("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=")
    ///     .ttl(Duration::from_secs(600))
    ///     .use_header(true)
    ///     .build();
    /// assert_eq!(config.cookie.name, "vault_token");
    /// assert_eq!(config.header_name, "X-Vault-Token");
    /// ```
    pub fn builder() -> VaultConfigBuilder {
        VaultConfigBuilder(VaultConfig::default())
    }

    /// Reads `AUTHX_VAULT_KEY` (the key), `AUTHX_VAULT_TTL` (lifetime in seconds) and
    /// `AUTHX_VAULT_CIPHER` over the defaults. Fails on a lifetime that is not a number, naming the variable; the key is
    /// checked by [`Vault::new`](super::Vault::new).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`from_env`](Self::from_env), over an arbitrary lookup (tests, a config source of
    /// your own).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = crate::config::Env::new(lookup);
        let mut c = VaultConfig {
            key: env.string("AUTHX_VAULT_KEY").map(Secret::new),
            ..VaultConfig::default()
        };
        if let Some(ttl) = env.secs("AUTHX_VAULT_TTL")? {
            c.ttl = ttl;
        }
        if let Some(cipher) = env.string("AUTHX_VAULT_CIPHER") {
            c.cipher = cipher.parse().map_err(|reason| ConfigError::Invalid {
                field: "AUTHX_VAULT_CIPHER",
                reason,
            })?;
        }
        Ok(c)
    }

    /// Checks what can be checked without the key.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |field, reason: String| Err(ConfigError::Invalid { field, reason });
        if !self.use_cookie && !self.use_header {
            return invalid(
                "vault.use_cookie",
                "no location: turn on use_cookie, use_header or both".into(),
            );
        }
        if self.ttl.is_zero() {
            return invalid("vault.ttl", "must be above 0".into());
        }
        if self.max_token_size == 0 {
            return invalid("vault.max_token_size", "must be above 0".into());
        }
        if self.header_name.parse::<http::HeaderName>().is_err() {
            return invalid(
                "vault.header_name",
                format!("{:?} is not a valid header name", self.header_name),
            );
        }
        let name = &self.cookie.name;
        // RFC 6265 cookie-name: an HTTP token.
        let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token_char) {
            return invalid(
                "vault.cookie.name",
                format!("{name:?} is not a valid cookie name"),
            );
        }
        Ok(())
    }
}

/// Builder of [`VaultConfig`]; each method sets the field of the same name.
#[derive(Debug, Clone)]
#[must_use]
pub struct VaultConfigBuilder(VaultConfig);

impl VaultConfigBuilder {
    /// See [`VaultConfig::key`].
    pub fn key(mut self, key: impl Into<Secret>) -> Self {
        self.0.key = Some(key.into());
        self
    }
    /// See [`VaultConfig::cipher`].
    pub fn cipher(mut self, cipher: VaultCipherKind) -> Self {
        self.0.cipher = cipher;
        self
    }
    /// See [`VaultConfig::ttl`].
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.0.ttl = ttl;
        self
    }
    /// See [`VaultConfig::use_cookie`].
    pub fn use_cookie(mut self, on: bool) -> Self {
        self.0.use_cookie = on;
        self
    }
    /// See [`VaultConfig::use_header`].
    pub fn use_header(mut self, on: bool) -> Self {
        self.0.use_header = on;
        self
    }
    /// See [`VaultConfig::header_name`].
    pub fn header_name(mut self, name: impl Into<String>) -> Self {
        self.0.header_name = name.into();
        self
    }
    /// See [`VaultConfig::cookie`].
    pub fn cookie(mut self, cookie: VaultCookieConfig) -> Self {
        self.0.cookie = cookie;
        self
    }
    /// See [`VaultCookieConfig::name`].
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.0.cookie.name = name.into();
        self
    }
    /// See [`VaultCookieConfig::path`].
    pub fn cookie_path(mut self, path: impl Into<String>) -> Self {
        self.0.cookie.path = path.into();
        self
    }
    /// See [`VaultCookieConfig::secure`].
    pub fn cookie_secure(mut self, secure: bool) -> Self {
        self.0.cookie.secure = secure;
        self
    }
    /// See [`VaultCookieConfig::http_only`].
    pub fn cookie_http_only(mut self, http_only: bool) -> Self {
        self.0.cookie.http_only = http_only;
        self
    }
    /// See [`VaultCookieConfig::same_site`].
    pub fn cookie_same_site(mut self, same_site: SameSite) -> Self {
        self.0.cookie.same_site = same_site;
        self
    }
    /// See [`VaultCookieConfig::domain`].
    pub fn cookie_domain(mut self, domain: impl Into<String>) -> Self {
        self.0.cookie.domain = Some(domain.into());
        self
    }
    /// See [`VaultConfig::max_token_size`].
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.0.max_token_size = bytes;
        self
    }
    /// See [`VaultConfig::store_timeout`].
    pub fn store_timeout(mut self, d: Duration) -> Self {
        self.0.store_timeout = d;
        self
    }
    /// The configuration. It is checked by [`Vault::new`](super::Vault::new).
    pub fn build(self) -> VaultConfig {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_fastapi_authix() {
        let c = VaultConfig::default();
        assert_eq!(c.ttl, Duration::from_secs(3600));
        assert_eq!(c.cookie.name, "vault_token");
        assert_eq!(c.header_name, "X-Vault-Token");
        assert!(c.use_cookie && !c.use_header);
        assert!(c.cookie.secure && c.cookie.http_only);
        assert_eq!(c.cookie.same_site, SameSite::Lax);
        assert_eq!(c.max_token_size, 16 * 1024);
        assert!(c.key.is_none());
        c.validate().unwrap();
    }

    #[test]
    fn deserializes_with_seconds_and_defaults() {
        let c: VaultConfig = serde_json::from_value(serde_json::json!({
            "key": "k",
            "ttl": 60,
            "use_header": true,
            "store_timeout": 100,
            "cookie": { "name": "v", "same_site": "strict", "secure": false }
        }))
        .unwrap();
        assert_eq!(c.ttl, Duration::from_secs(60));
        assert_eq!(c.store_timeout, Duration::from_millis(100));
        assert!(c.use_cookie && c.use_header);
        assert_eq!(c.cookie.name, "v");
        assert_eq!(c.cookie.path, "/");
        assert_eq!(c.cookie.same_site, SameSite::Strict);
        assert!(!c.cookie.secure && c.cookie.http_only);
        assert!(!format!("{c:?}").contains("\"k\""), "key leaked: {c:?}");
    }

    #[test]
    fn reads_the_environment() {
        let env = |k: &str| match k {
            "AUTHX_VAULT_KEY" => Some(" abc= ".to_owned()),
            "AUTHX_VAULT_TTL" => Some("120".to_owned()),
            _ => None,
        };
        let c = VaultConfig::from_lookup(env).unwrap();
        assert_eq!(c.key.as_ref().map(Secret::expose), Some("abc="));
        assert_eq!(c.ttl, Duration::from_secs(120));

        let c = VaultConfig::from_lookup(|_| Some(" ".to_owned())).unwrap();
        assert_eq!(c, VaultConfig::default());

        let err = VaultConfig::from_lookup(|k| (k == "AUTHX_VAULT_TTL").then(|| "1h".to_owned()))
            .unwrap_err();
        assert!(err.to_string().contains("AUTHX_VAULT_TTL"), "{err}");
    }

    #[test]
    fn refuses_configurations_that_cannot_work() {
        let bad = [
            VaultConfig::builder().use_cookie(false).build(),
            VaultConfig::builder().ttl(Duration::ZERO).build(),
            VaultConfig::builder().max_token_size(0).build(),
            VaultConfig::builder().header_name("bad header").build(),
            VaultConfig::builder().cookie_name("a=b").build(),
            VaultConfig::builder().cookie_name("").build(),
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
        VaultConfig::builder()
            .use_cookie(false)
            .use_header(true)
            .build()
            .validate()
            .unwrap();
    }
}
