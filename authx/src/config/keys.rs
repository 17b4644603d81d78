//! Keys in the configuration: [`Secret`], [`KeySource`] and [`VerificationKey`].

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

use super::Algorithm;
use super::ConfigError;

/// A secret value: its `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself. Handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// A PEM key given inline or as a file path.
///
/// From a string: text starting with `-----BEGIN` is PEM; anything else is a path (an optional
/// `file:` prefix is stripped).
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The PEM text.
    Pem(String),
    /// A file holding the PEM text, read when [`Auth`](crate::Auth) is built.
    File(PathBuf),
}

impl KeySource {
    /// Interprets a string as inline PEM or a path, as described on the type.
    pub fn parse(s: &str) -> Self {
        let t = s.trim_start();
        if t.starts_with("-----BEGIN") {
            KeySource::Pem(s.to_owned())
        } else {
            KeySource::File(PathBuf::from(s.strip_prefix("file:").unwrap_or(s)))
        }
    }

    pub(crate) fn read(&self) -> Result<Vec<u8>, ConfigError> {
        match self {
            KeySource::Pem(p) => Ok(p.as_bytes().to_vec()),
            KeySource::File(path) => std::fs::read(path).map_err(|e| ConfigError::KeyFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Pem(_) => f.write_str("KeySource::Pem(***)"),
            KeySource::File(p) => write!(f, "KeySource::File({})", p.display()),
        }
    }
}

impl<'de> Deserialize<'de> for KeySource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(KeySource::parse(&s))
    }
}

impl From<&str> for KeySource {
    fn from(s: &str) -> Self {
        KeySource::parse(s)
    }
}

/// A key that verifies (but no longer signs) tokens: the previous key during a rotation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct VerificationKey {
    /// The `kid` tokens signed with this key carry. When a token names a `kid`, only the key
    /// with that `kid` is tried.
    #[serde(default)]
    pub kid: Option<String>,
    /// Its algorithm; defaults to the current algorithm.
    #[serde(default)]
    pub algorithm: Option<Algorithm>,
    /// HMAC secret (for HS algorithms).
    #[serde(default)]
    pub secret_key: Option<Secret>,
    /// Public key PEM (for RS/PS/ES/EdDSA).
    #[serde(default)]
    pub public_key: Option<KeySource>,
}

impl VerificationKey {
    /// A previous HMAC secret.
    pub fn secret(secret: impl Into<Secret>) -> Self {
        VerificationKey {
            kid: None,
            algorithm: None,
            secret_key: Some(secret.into()),
            public_key: None,
        }
    }
    /// A previous public key (PEM text or path).
    pub fn public_key(key: impl Into<KeySource>) -> Self {
        VerificationKey {
            kid: None,
            algorithm: None,
            secret_key: None,
            public_key: Some(key.into()),
        }
    }
    /// Sets the `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }
    /// Sets the algorithm (when it differs from the current one).
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = Some(algorithm);
        self
    }
}
