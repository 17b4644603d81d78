//! Second factors that meet step-up challenges (feature `mfa`): TOTP authenticator apps
//! (RFC 6238) with recovery codes, and the fresh token a factor earns.
//!
//! A route that needs more than a password says so, `#[protect(acr = "mfa")]` or
//! `#[protect(amr = "otp")]`, and a token without it is refused with an RFC 9470 challenge
//! (`401`, `error="insufficient_user_authentication"`, `acr_values="mfa"`). [`Mfa`] is how a
//! user meets it: the app mounts [`Mfa::router`], the user enrols an authenticator app once,
//! and each step-up sends a code to `POST /mfa/totp/verify`, which answers with a new access
//! token in the same session. That token is fresh, its `auth_time` is now, its `amr` adds the
//! factor's methods to the login's (`["pwd", "otp"]`), and its `acr` is the highest
//! [level](MfaConfig::acr) those methods reach.
//!
//! | where | what |
//! |---|---|
//! | storage | the [`FactorStore`](crate::store::FactorStore) of the engine's stores (memory, SQLite, PostgreSQL, Redis); TOTP secrets sealed with the [vault cipher](crate::vault::FernetCipher) under [`MfaConfig`]'s key, and bound to their user |
//! | replay | a code is taken once per time step per user, through the [`ReplayStore`](crate::store::ReplayStore): on every instance sharing it |
//! | guessing | failed codes are limited per user and per client IP through the engine's rate limiter (`429`) |
//! | recovery | ten single-use codes at confirmation, kept as keyed digests, regenerable |
//!
//! The [multi-factor guide](crate::guide::mfa) shows the whole round trip.
//!
//! ```
//! use authx::mfa::{Mfa, MfaConfig};
//! use authx::{Auth, AuthConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build())?;
//! let key = authx::vault::Vault::generate_key(); // keep it: it seals the TOTP secrets
//! let mfa = Mfa::new(auth.clone(), MfaConfig::new("Acme", key).acr("mfa", ["otp"]))?;
//! let app: axum::Router = axum::Router::new().merge(mfa.router());
//! # let _ = app;
//! # Ok(())
//! # }
//! ```

mod config;
mod recovery;
mod router;
mod step_up;
mod totp;

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use config::MfaConfig;
pub use totp::{Enrolment, TotpStatus};

use crate::Auth;
use crate::config::ConfigError;
use crate::error::{AuthError, FactorFailure};
use crate::vault::FernetCipher;

/// Second factors over an engine: TOTP, recovery codes, and the step-up tokens they earn.
/// Cheap to clone (one `Arc`); keep one in the app state.
#[derive(Clone)]
pub struct Mfa {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Auth,
    config: MfaConfig,
    /// Seals TOTP secrets at rest.
    cipher: FernetCipher,
    /// Keys the digests of recovery codes and the rate and replay keys.
    digest_key: [u8; 32],
}

impl std::fmt::Debug for Mfa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mfa")
            .field("issuer", &self.inner.config.issuer)
            .field("acr", &self.inner.config.levels)
            .finish_non_exhaustive()
    }
}

impl Mfa {
    /// Second factors for `auth`'s users. Refused when the key is not a vault key (32 bytes
    /// of url-safe base64, [`Vault::generate_key`](crate::vault::Vault::generate_key)), the
    /// issuer is empty or has a `:`, or, with [acr levels](MfaConfig::acr) configured, a
    /// route of the program requires an `acr` that no level gives.
    pub fn new(auth: Auth, config: MfaConfig) -> Result<Self, ConfigError> {
        let invalid = |field, reason: String| ConfigError::Invalid { field, reason };
        let key = config.key.expose().trim();
        if FernetCipher::new(key).is_none() {
            return Err(invalid(
                "mfa.key",
                "not a vault key: 32 bytes of url-safe base64 (Vault::generate_key)".into(),
            ));
        }
        // Two keys from the one configured, each for one use: sealing TOTP secrets, and keying
        // the digests (so the configured key itself may also be an app's vault key).
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
            mac.update(label);
            mac.finalize().into_bytes().into()
        };
        let sealing = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE,
            derive(b"authx mfa sealing v1"),
        );
        let cipher = FernetCipher::new(&sealing)
            .unwrap_or_else(|| unreachable!("32 bytes of url-safe base64 are a Fernet key"));
        if let Some((acr, _)) = config.levels.iter().find(|(_, m)| m.is_empty()) {
            return Err(invalid(
                "mfa.acr",
                format!("the level `{acr}` names no method: it would be every token's"),
            ));
        }
        if config.issuer.is_empty() || config.issuer.contains(':') {
            return Err(invalid(
                "mfa.issuer",
                "the name authenticator apps show: not empty, and without `:`".into(),
            ));
        }
        config::check_routes(&config)?;
        let digest_key = derive(b"authx mfa digests v1");
        Ok(Mfa {
            inner: Arc::new(Inner {
                auth,
                config,
                cipher,
                digest_key,
            }),
        })
    }

    /// The engine.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The configuration.
    pub fn config(&self) -> &MfaConfig {
        &self.inner.config
    }

    /// A keyed digest of `parts` (hex): recovery codes at rest, and the rate and replay keys
    /// (which then name no user).
    fn digest(&self, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.inner.digest_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        let bytes = mac.finalize().into_bytes();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Spends one attempt of `subject`'s budget and of the client's at `ip`, before the code
    /// is looked at: refused (`429`) when either is spent, and when the limiter cannot say
    /// (`503`). Charged first and atomically, so concurrent guesses cannot outrun the budget.
    async fn spend_attempt(&self, subject: &str, ip: Option<&str>) -> Result<(), AuthError> {
        for (key, (count, window)) in self.budgets(subject, ip) {
            let check = self.auth().rate_limiter().check(&key, count, window);
            let decision = self.auth().store_call(check).await?;
            if !decision.allowed {
                return Err(AuthError::RateLimited {
                    retry_after: decision.retry_after,
                    limit: decision.limit,
                    reset: decision.reset,
                });
            }
        }
        Ok(())
    }

    /// The refusal of a factor (`FactorRejectedError`), logged.
    fn rejected(&self) -> AuthError {
        tracing::info!(target: "authx::mfa", "mfa: a factor was rejected");
        AuthError::Factor(FactorFailure::Rejected)
    }

    fn budgets(
        &self,
        subject: &str,
        ip: Option<&str>,
    ) -> Vec<(String, (u32, std::time::Duration))> {
        let config = &self.inner.config;
        let mut out = vec![(
            format!("mfa:u:{}", self.digest(&[subject.as_bytes()])),
            config.user_rate,
        )];
        if let Some(ip) = ip {
            out.push((format!("mfa:ip:{ip}"), config.ip_rate));
        }
        // Never zero-length windows: a budget always limits.
        for (_, (_, window)) in &mut out {
            *window = (*window).max(std::time::Duration::from_secs(1));
        }
        out
    }
}

#[cfg(test)]
mod tests;
