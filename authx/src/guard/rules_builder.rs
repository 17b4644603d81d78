//! [`RulesBuilder`]: [`Rules`] written by hand, checked with the grammar `#[protect]` checks at
//! compile time.

use authx_spec::ScopeMode;

use super::credentials::Credentials;
use super::policy::PolicyFn;
use super::rules::{RateKeyRule, RateRule, Rules};
use crate::config::TokenLocation;
use crate::token::TokenType;

/// Hand-written [`Rules`], checked when built. Start with [`Rules::builder`].
///
/// Rules are meant to be built once, at start-up: a built `Rules` is `Copy` and `'static`, so
/// its strings are kept for the life of the process.
#[derive(Debug, Default)]
#[must_use]
pub struct RulesBuilder {
    refresh: bool,
    fresh: bool,
    max_age: Option<String>,
    dpop: bool,
    acr: Vec<String>,
    amr: Vec<String>,
    scopes: Vec<String>,
    any: bool,
    locations: Option<Vec<TokenLocation>>,
    no_csrf: bool,
    any_type: bool,
    rate: Option<(String, RateKeyRule)>,
    policy: Option<(&'static str, PolicyFn)>,
    kind: Option<String>,
    credentials: Option<String>,
}

/// Why hand-written [`Rules`] were refused: the same messages `#[protect]` gives at compile time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rules: {0}")]
pub struct RulesError(String);

impl RulesBuilder {
    /// A refresh token instead of an access token.
    pub fn refresh(mut self) -> Self {
        self.refresh = true;
        self
    }

    /// A fresh access token.
    pub fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }

    /// The user must have logged in at most this long ago, such as `"5m"` (the token's
    /// `auth_time`; RFC 9470 `max_age`).
    pub fn max_age(mut self, max_age: impl Into<String>) -> Self {
        self.max_age = Some(max_age.into());
        self
    }

    /// The token's `acr` must be one of these (RFC 9470 `acr_values`).
    pub fn acr<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.acr = values.into_iter().map(Into::into).collect();
        self
    }

    /// The token's `amr` must contain every one of these methods, from RFC 8176's registry
    /// (`"hwk"`, `"otp"`, ...: `authx_spec::amr::METHODS`). A token lacking one is refused as
    /// a failed step-up (RFC 9470).
    pub fn amr<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.amr = methods.into_iter().map(Into::into).collect();
        self
    }

    /// A DPoP-bound token with its proof (RFC 9449), never a bearer token.
    pub fn dpop(mut self) -> Self {
        self.dpop = true;
        self
    }

    /// Every one of these scopes must be granted.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self.any = false;
        self
    }

    /// At least one of these scopes must be granted.
    pub fn any_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self.any = true;
        self
    }

    /// Where the token may be, overriding the configuration.
    pub fn locations(mut self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        self.locations = Some(locations.into_iter().collect());
        self
    }

    /// No CSRF double-submit check for cookie tokens.
    pub fn without_csrf(mut self) -> Self {
        self.no_csrf = true;
        self
    }

    /// Accepts an access or a refresh token (AuthX's `verify_type=False`; see
    /// [`Rules::verify_type`]).
    pub fn any_type(mut self) -> Self {
        self.any_type = true;
        self
    }

    /// A rate limit such as `"10/60s"`, counted per `key`.
    pub fn rate(mut self, spec: impl Into<String>, key: RateKeyRule) -> Self {
        self.rate = Some((spec.into(), key));
        self
    }

    /// A policy function (see [`PolicyFn`]), named for the audit table.
    pub fn policy(mut self, name: &'static str, policy: PolicyFn) -> Self {
        self.policy = Some((name, policy));
        self
    }

    /// The kinds of credential taken, such as `"api_key"` or `"bearer | api_key"` (the grammar
    /// of `#[protect(credentials = "...")]`); bearer tokens when not called.
    pub fn credentials(mut self, kinds: impl Into<String>) -> Self {
        self.credentials = Some(kinds.into());
        self
    }

    /// The user kind the token must carry.
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// Checks the rules with authx-spec (scope patterns, rate specs) and builds them.
    pub fn build(self) -> Result<Rules, RulesError> {
        if self.refresh && self.fresh {
            return Err(RulesError(
                "a fresh token is an access token: `fresh` with `refresh` cannot be met".into(),
            ));
        }
        let bad = |e: authx_spec::SpecError| RulesError(e.to_string());
        if self.refresh && self.has_step_up() {
            return Err(RulesError(
                "step-up requirements (max_age, acr, amr) apply to access tokens, not `refresh`"
                    .into(),
            ));
        }
        let max_age = match &self.max_age {
            Some(age) => Some(
                authx_spec::step_up::parse_max_age(age)
                    .map_err(bad)?
                    .as_secs(),
            ),
            None => None,
        };
        let each = |errors: Vec<(usize, authx_spec::SpecError)>| {
            let each: Vec<String> = errors.into_iter().map(|(_, e)| e.message).collect();
            RulesError(each.join("; "))
        };
        authx_spec::step_up::parse_acr_list(&self.acr).map_err(each)?;
        authx_spec::amr::parse_amr_list(&self.amr).map_err(each)?;
        authx_spec::scope::parse_list(&self.scopes).map_err(|errors| {
            let each: Vec<String> = errors
                .into_iter()
                .map(|(i, e)| format!("scope {:?}: {e}", self.scopes[i]))
                .collect();
            RulesError(each.join("; "))
        })?;
        if self.locations.as_ref().is_some_and(Vec::is_empty) {
            return Err(RulesError(
                "an empty list of locations finds no token".into(),
            ));
        }
        let rate = match &self.rate {
            Some((spec, key)) => {
                let key = *key;
                let spec = authx_spec::RateSpec::parse(spec).map_err(bad)?;
                Some(RateRule {
                    count: spec.count,
                    window_ms: spec.window_millis(),
                    key,
                })
            }
            None => None,
        };
        let credentials = match &self.credentials {
            Some(spec) => {
                Credentials::from_spec(authx_spec::CredentialKinds::parse(spec).map_err(bad)?)
            }
            None => Credentials::BEARER,
        };
        self.check_credentials(credentials, rate.as_ref())?;
        let keep = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let scopes: Vec<&'static str> = self.scopes.into_iter().map(keep).collect();
        let acr: Vec<&'static str> = self.acr.into_iter().map(keep).collect();
        let amr: Vec<&'static str> = self.amr.into_iter().map(keep).collect();
        Ok(Rules {
            token_type: if self.refresh {
                TokenType::Refresh
            } else {
                TokenType::Access
            },
            fresh: self.fresh,
            max_age,
            dpop: self.dpop,
            acr: Box::leak(acr.into_boxed_slice()),
            amr: Box::leak(amr.into_boxed_slice()),
            scopes: Box::leak(scopes.into_boxed_slice()),
            scope_mode: if self.any {
                ScopeMode::Any
            } else {
                ScopeMode::All
            },
            locations: self.locations.map(|l| &*Box::leak(l.into_boxed_slice())),
            csrf: !self.no_csrf,
            verify_type: !self.any_type,
            rate,
            policy: self.policy,
            kind: self.kind.map(keep),
            credentials,
            // A layer has no resource to decide on: actions are `#[protect]`'s.
            action: None,
        })
    }

    /// Whether any step-up requirement (`max_age`, `acr`, `amr`) was given.
    fn has_step_up(&self) -> bool {
        self.max_age.is_some() || !self.acr.is_empty() || !self.amr.is_empty()
    }

    /// What `#[protect]` refuses at compile time about API keys: what no key can meet (a
    /// refresh or fresh token, DPoP, step-up), token locations on a route that takes only
    /// keys, and a limit per key on a route that takes none. Worded as the attribute's errors
    /// (`authx-macros/src/protect/credentials.rs`), which add how to fix the attribute.
    fn check_credentials(
        &self,
        credentials: Credentials,
        rate: Option<&RateRule>,
    ) -> Result<(), RulesError> {
        let keys = credentials.takes(Credentials::API_KEY);
        let conflict = if !keys {
            rate.filter(|r| matches!(r.key, RateKeyRule::ApiKey))
                .map(|_| {
                    "`rate_key = api_key` on a route that takes no API keys: the limit is counted \
                 per API key, and no request here brings one"
                })
        } else if self.refresh {
            Some(
                "`refresh` with API keys: an API key is never a refresh token, so no API key \
                 can pass this route",
            )
        } else if self.fresh {
            Some(
                "`fresh` with API keys: an API key is never fresh (only a login issues fresh \
                 tokens), so no API key can pass this route",
            )
        } else if self.dpop {
            Some(
                "`dpop` with API keys: an API key is not bound to a DPoP key, so no API key can \
                 pass this route",
            )
        } else if self.has_step_up() {
            Some(
                "step-up (`max_age`, `acr`, `amr`) with API keys: an API key carries no login \
                 time, no `acr` and no `amr`, so no API key can pass this route",
            )
        } else if !credentials.takes(Credentials::BEARER) && self.locations.is_some() {
            Some(
                "`locations` with only API keys: token locations say where to find a bearer \
                 token, and this route takes only API keys (found where `AuthConfig::api_keys` \
                 says)",
            )
        } else if !credentials.takes(Credentials::BEARER) && self.any_type {
            Some(
                "`verify_type` with only API keys: the token type (access or refresh) is a \
                 bearer token's, and this route takes only API keys",
            )
        } else if !credentials.takes(Credentials::BEARER) && self.no_csrf {
            Some(
                "`csrf` with only API keys: the CSRF check guards bearer tokens sent in \
                 cookies, and an API key never comes in a cookie",
            )
        } else {
            None
        };
        conflict.map_or(Ok(()), |c| Err(RulesError(c.into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_parse_and_refuse_what_no_key_can_meet() {
        let both = Rules::builder()
            .credentials("bearer | api_key")
            .build()
            .unwrap();
        assert_eq!(both.credentials, Credentials::ANY);
        assert_eq!(
            Rules::builder().build().unwrap().credentials,
            Credentials::BEARER
        );
        let err = Rules::builder()
            .credentials("bearer | jwt")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("unknown credential kind"), "{err}");
        let keys = || Rules::builder().credentials("api_key");
        for (rules, what) in [
            (keys().refresh(), "`refresh`"),
            (keys().fresh(), "`fresh`"),
            (keys().dpop(), "`dpop`"),
            (keys().max_age("5m"), "step-up"),
            (keys().amr(["hwk"]), "step-up (`max_age`, `acr`, `amr`)"),
            (keys().locations([TokenLocation::Cookies]), "`locations`"),
            (keys().any_type(), "`verify_type`"),
            (keys().without_csrf(), "`csrf`"),
            (
                Rules::builder().rate("5/60s", RateKeyRule::ApiKey),
                "`rate_key = api_key`",
            ),
        ] {
            let err = rules.build().unwrap_err().to_string();
            assert!(err.contains(what), "{what}: {err}");
        }
        // Either kind: token settings still apply to the bearer half.
        let mixed = Rules::builder()
            .credentials("bearer | api_key")
            .locations([TokenLocation::Cookies])
            .rate("5/60s", RateKeyRule::ApiKey)
            .build();
        assert!(mixed.is_ok());
    }

    #[test]
    fn amr_methods_are_checked_against_rfc_8176() {
        let rules = Rules::builder().amr(["pwd", "otp"]).build().unwrap();
        assert_eq!(rules.amr, ["pwd", "otp"]);
        assert!(rules.has_step_up());
        let err = Rules::builder().amr(["totp"]).build().unwrap_err();
        assert!(err.to_string().contains("(did you mean `otp`?)"), "{err}");
        assert!(Rules::builder().amr(["otp", "otp"]).build().is_err());
        let err = Rules::builder().refresh().amr(["otp"]).build().unwrap_err();
        assert!(err.to_string().contains("not `refresh`"), "{err}");
    }
}
