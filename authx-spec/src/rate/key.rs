//! Rate keys: what a rate limit is counted per.

use std::fmt;

use crate::error::{SpecError, SpecErrorKind};

/// What a rate limit is counted per.
///
/// In attributes a custom key is a Rust path to a key function, which the
/// macro resolves itself; [`RateKey::parse_builtin`] only parses the string
/// forms `ip`, `subject` and `api_key` used at run time and in configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateKey {
    /// Per client IP address (`ip`).
    Ip,
    /// Per authenticated subject, the token's `sub` claim (`subject`).
    Subject,
    /// Per API key, its id (`api_key`); only on routes that take API keys.
    ApiKey,
    /// Per value of a custom key function, named by its path.
    Custom(String),
}

impl RateKey {
    /// Parse a built-in rate key: `ip`, `subject` or `api_key`.
    ///
    /// # Errors
    ///
    /// [`UnknownRateKey`](SpecErrorKind::UnknownRateKey) for anything else,
    /// spanning the whole input.
    ///
    /// ```
    /// use authx_spec::{RateKey, SpecErrorKind};
    ///
    /// assert_eq!(RateKey::parse_builtin("ip").unwrap(), RateKey::Ip);
    /// assert_eq!(RateKey::parse_builtin("subject").unwrap(), RateKey::Subject);
    /// assert_eq!(RateKey::parse_builtin("api_key").unwrap(), RateKey::ApiKey);
    /// let err = RateKey::parse_builtin("IP").unwrap_err();
    /// assert_eq!(err.kind, SpecErrorKind::UnknownRateKey);
    /// assert!(err.message.ends_with(r#"write e.g. "ip""#));
    /// ```
    pub fn parse_builtin(s: &str) -> Result<RateKey, SpecError> {
        match s {
            "ip" => Ok(RateKey::Ip),
            "subject" => Ok(RateKey::Subject),
            "api_key" => Ok(RateKey::ApiKey),
            _ => {
                let guess = match s.trim().to_ascii_lowercase().as_str() {
                    "ip" | "ip_addr" | "ipaddr" | "addr" | "client_ip" | "remote_addr" => "ip",
                    "subject" | "sub" | "user" | "user_id" | "subject_id" => "subject",
                    "api_key" | "apikey" | "api-key" | "key" | "api_key_id" | "key_id" => "api_key",
                    _ => "ip",
                };
                Err(SpecError {
                    span: 0..s.len(),
                    kind: SpecErrorKind::UnknownRateKey,
                    message: format!(
                        "unknown rate key {s:?}: use `ip` (per client address), `subject` \
                         (per token subject), `api_key` (per API key) or the path of a key \
                         function such as `crate::keys::by_tenant`; write e.g. {guess:?}"
                    ),
                })
            }
        }
    }
}

/// Prints `ip`, `subject`, `api_key`, or the custom function path.
impl fmt::Display for RateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateKey::Ip => f.write_str("ip"),
            RateKey::Subject => f.write_str("subject"),
            RateKey::ApiKey => f.write_str("api_key"),
            RateKey::Custom(path) => f.write_str(path),
        }
    }
}

#[cfg(test)]
#[path = "key_tests.rs"]
mod tests;
