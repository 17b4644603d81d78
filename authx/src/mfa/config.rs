//! [`MfaConfig`]: the issuer name, the sealing key, the acr levels and the budgets.

use std::time::Duration;

use crate::config::{ConfigError, Secret};

/// How [`Mfa`](super::Mfa) works.
///
/// ```
/// use std::time::Duration;
/// use authx::mfa::MfaConfig;
///
/// let config = MfaConfig::new("Acme", authx::vault::Vault::generate_key())
///     // Levels, lowest first: a token's `acr` is the last one its `amr` meets.
///     .acr("mfa", ["otp"])
///     .acr("mfa", ["hwk"])
///     .acr("phr", ["hwk", "user"])
///     .user_rate(5, Duration::from_secs(900));
/// assert_eq!(config.acr_for(&["pwd", "otp"]), Some("mfa"));
/// assert_eq!(config.acr_for(&["hwk", "user"]), Some("phr"));
/// assert_eq!(config.acr_for(&["pwd"]), None);
/// ```
#[derive(Clone)]
pub struct MfaConfig {
    pub(super) issuer: String,
    pub(super) key: Secret,
    /// `(acr, methods)`, lowest first.
    pub(super) levels: Vec<(String, Vec<String>)>,
    pub(super) user_rate: (u32, Duration),
    pub(super) ip_rate: (u32, Duration),
    pub(super) recovery_codes: usize,
    pub(super) enrol_window: Duration,
    pub(super) reauth_window: Duration,
}

impl std::fmt::Debug for MfaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaConfig")
            .field("issuer", &self.issuer)
            .field("key", &"<redacted>")
            .field("levels", &self.levels)
            .field("user_rate", &self.user_rate)
            .field("ip_rate", &self.ip_rate)
            .field("recovery_codes", &self.recovery_codes)
            .field("enrol_window", &self.enrol_window)
            .field("reauth_window", &self.reauth_window)
            .finish()
    }
}

impl MfaConfig {
    /// Factors for the service `issuer` (the name authenticator apps show next to the
    /// account), TOTP secrets sealed with `key`, a vault key
    /// ([`Vault::generate_key`](crate::vault::Vault::generate_key)): keep it as you keep the
    /// signing key; without it no enrolled authenticator works. No acr levels; code attempts
    /// limited per user (a burst of 5, then one per 3 minutes) and per client IP (20, then one
    /// per 45 seconds); 10 recovery codes; an enrolment confirmed within 10 minutes; factors
    /// added or removed within 10 minutes of a login.
    pub fn new(issuer: impl Into<String>, key: impl Into<String>) -> Self {
        MfaConfig {
            issuer: issuer.into(),
            key: Secret::new(key.into()),
            levels: Vec::new(),
            user_rate: (5, Duration::from_secs(900)),
            ip_rate: (20, Duration::from_secs(900)),
            recovery_codes: 10,
            enrol_window: Duration::from_secs(600),
            reauth_window: Duration::from_secs(600),
        }
    }

    /// Adds an acr level: a token whose `amr` has every one of `methods` (RFC 8176 values:
    /// `otp`, `hwk`, `user`...) gets `acr` = `value`, unless a later level also holds. Call
    /// it lowest level first; give one value several method sets by calling it again.
    /// `#[protect(acr = "...")]` routes name these values (declare them in `Cargo.toml`,
    /// `[package.metadata.authx] acr-values = [...]`, and the macro checks them).
    pub fn acr<I, S>(mut self, value: impl Into<String>, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.levels
            .push((value.into(), methods.into_iter().map(Into::into).collect()));
        self
    }

    /// At most `count` code attempts per user per `window` (then `429`), right or wrong, as
    /// a GCRA bucket: a burst of `count`, then one per `window / count`. Every attempt is
    /// charged before its code is looked at, so concurrent guesses cannot outrun it. The
    /// budget is shared by every instance only with a limiter that is (Redis); the SQL stores
    /// count in each instance's memory.
    pub fn user_rate(mut self, count: u32, window: Duration) -> Self {
        self.user_rate = (count.max(1), window);
        self
    }

    /// At most `count` code attempts per client IP per `window` (then `429`). Behind a proxy,
    /// set the engine's `trusted_proxies`, or every client counts as the proxy.
    pub fn ip_rate(mut self, count: u32, window: Duration) -> Self {
        self.ip_rate = (count.max(1), window);
        self
    }

    /// How many recovery codes a user gets (1 to 32).
    pub fn recovery_codes(mut self, count: usize) -> Self {
        self.recovery_codes = count.clamp(1, 32);
        self
    }

    /// How recent a login must be (its `auth_time`) to add, replace or remove a factor.
    pub fn reauth_window(mut self, window: Duration) -> Self {
        self.reauth_window = window;
        self
    }

    /// How long an enrolment waits for its first code before it is dropped.
    pub fn enrol_window(mut self, window: Duration) -> Self {
        self.enrol_window = window;
        self
    }

    /// The acr a login with `amr` reaches: the last level whose methods it all has.
    pub fn acr_for(&self, amr: &[&str]) -> Option<&str> {
        self.levels
            .iter()
            .rev()
            .find(|(_, methods)| methods.iter().all(|m| amr.contains(&m.as_str())))
            .map(|(acr, _)| acr.as_str())
    }

    /// The acr values the levels give.
    pub fn acr_values(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.levels.iter().map(|(v, _)| v.as_str()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// With levels configured, every `acr` a route of the program requires must be one of them:
/// a route whose class no factor can reach would refuse every user.
pub(super) fn check_routes(config: &MfaConfig) -> Result<(), ConfigError> {
    if config.levels.is_empty() {
        return Ok(());
    }
    let known = config.acr_values();
    let unknown: Vec<String> = crate::registry::entries()
        .into_iter()
        .filter_map(|route| {
            let rules = route.rules()?;
            let missing: Vec<&str> = rules
                .acr
                .iter()
                .copied()
                .filter(|v| !known.contains(v))
                .collect();
            (!rules.acr.is_empty() && missing.len() == rules.acr.len()).then(|| {
                format!(
                    "`{}` ({}) requires acr {}",
                    route.route.unwrap_or(route.handler),
                    route.module,
                    missing.join(" or ")
                )
            })
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        field: "mfa.acr",
        reason: format!(
            "no acr level gives what {} route(s) require (levels: {}): {}",
            unknown.len(),
            known.join(", "),
            unknown.join("; ")
        ),
    })
}
