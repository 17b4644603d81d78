//! The external issuers of one [`Auth`](crate::Auth), and the choice of verifier for a token.

use std::collections::HashMap;

use super::config::IssuerConfig;
use super::issuer::JwksIssuer;
use crate::config::AuthConfig;
use crate::error::ConfigError;

/// Every configured external issuer, by `iss`.
#[derive(Default)]
pub(crate) struct Issuers {
    by_iss: HashMap<String, JwksIssuer>,
    max_token_size: usize,
}

impl Issuers {
    /// Starts one [`JwksIssuer`] per configuration. Two issuers with the same `iss`, or one
    /// with this service's own `issuer`, cannot be told apart: refused.
    pub fn new(configs: Vec<IssuerConfig>, config: &AuthConfig) -> Result<Self, ConfigError> {
        let mut by_iss = HashMap::with_capacity(configs.len());
        for c in configs {
            if config.issuer.as_deref() == Some(c.issuer.as_str()) {
                return Err(ConfigError::Invalid {
                    field: "issuers.issuer",
                    reason: format!(
                        "{} is this service's own issuer: its tokens could not be told apart",
                        c.issuer
                    ),
                });
            }
            let iss = c.issuer.clone();
            if by_iss
                .insert(iss.clone(), JwksIssuer::start(c, config.verify_cache)?)
                .is_some()
            {
                return Err(ConfigError::Invalid {
                    field: "issuers.issuer",
                    reason: format!("{iss} is configured twice"),
                });
            }
        }
        Ok(Issuers {
            by_iss,
            max_token_size: config.max_token_size,
        })
    }

    /// The external issuer that must verify `token`, from an unverified look at its `iss`;
    /// `None` when no external issuer claims it (this service's own keys verify it then).
    /// The choice is only a routing hint: the chosen issuer verifies signature and `iss`.
    pub fn route(&self, token: &str) -> Option<&JwksIssuer> {
        #[derive(serde::Deserialize)]
        struct Peek {
            iss: Option<String>,
        }
        if self.by_iss.is_empty() || token.len() > self.max_token_size {
            return None;
        }
        let peek: Peek = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
        self.by_iss.get(peek.iss?.as_str())
    }

    /// The issuers, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &JwksIssuer> {
        self.by_iss.values()
    }
}
