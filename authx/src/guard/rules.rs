//! [`Rules`]: what a route requires, with its rate limits and policy.

use std::fmt;

use authx_spec::ScopeMode;
use http::request::Parts;

pub use super::policy::{BoxFuture, PolicyDecision, PolicyFn};
use crate::config::TokenLocation;
use crate::token::{Claims, TokenType};

/// A custom rate-limit key, as `#[protect(rate_key = ...)]` stores it.
pub type RateKeyFn = fn(&Parts, Option<&Claims>) -> String;

/// What a rate limit is keyed by.
#[derive(Clone, Copy)]
pub enum RateKeyRule {
    /// The client IP.
    Ip,
    /// The token's subject (the IP on anonymous routes).
    Subject,
    /// A function of the request.
    Custom {
        /// The function's path, for the audit table.
        name: &'static str,
        /// The function.
        key: RateKeyFn,
    },
}

impl fmt::Debug for RateKeyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl RateKeyRule {
    /// `ip`, `subject` or the function's path.
    pub fn name(&self) -> &'static str {
        match self {
            RateKeyRule::Ip => "ip",
            RateKeyRule::Subject => "subject",
            RateKeyRule::Custom { name, .. } => name,
        }
    }
}

/// A rate limit: `count` requests per `window_ms` milliseconds per key.
#[derive(Debug, Clone, Copy)]
pub struct RateRule {
    /// Requests allowed per window.
    pub count: u32,
    /// The window, in milliseconds.
    pub window_ms: u64,
    /// What the limit is keyed by.
    pub key: RateKeyRule,
}

impl fmt::Display for RateRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match authx_spec::RateSpec::new(
            self.count,
            std::time::Duration::from_millis(self.window_ms),
        ) {
            Some(spec) => write!(f, "{spec} per {}", self.key.name()),
            None => write!(
                f,
                "{}/{}ms per {}",
                self.count,
                self.window_ms,
                self.key.name()
            ),
        }
    }
}

/// A route's requirements. Built by `#[protect]` as a `static` (checked at compile time), or by
/// hand with [`Rules::builder`] (checked when built) for [`AuthLayer`](crate::layer::AuthLayer)
/// and [`Auth::enforce`](crate::Auth::enforce).
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Rules {
    /// `access` (default) or `refresh`.
    pub token_type: TokenType,
    /// A fresh token is required.
    pub fresh: bool,
    /// Required scope patterns (validated at compile time).
    pub scopes: &'static [&'static str],
    /// All of `scopes`, or any one.
    pub scope_mode: ScopeMode,
    /// Overrides the configured token locations.
    pub locations: Option<&'static [TokenLocation]>,
    /// CSRF check for cookie-borne tokens (`csrf = false` turns it off for this route).
    pub csrf: bool,
    /// The token must be of [`token_type`](Self::token_type) (default). `false`
    /// (`verify_type = false`, AuthX's `verify_type=False`) accepts an access or a refresh
    /// token; `token_type` then only names the cookie looked in, and a missing token answers
    /// `401 TokenRequiredError`.
    pub verify_type: bool,
    /// Rate limit.
    pub rate: Option<RateRule>,
    /// Policy function and its path.
    pub policy: Option<(&'static str, PolicyFn)>,
    /// The user kind the token must carry (AuthX's `login_type`), `#[protect(kind = "...")]`.
    pub kind: Option<&'static str>,
}

impl Rules {
    /// An access token, nothing more: the rules of a bare `#[protect]`.
    pub const ACCESS: Rules = Rules::of(TokenType::Access);

    /// A refresh token, nothing more: the rules of `#[protect(refresh)]`.
    pub const REFRESH: Rules = Rules::of(TokenType::Refresh);

    const fn of(token_type: TokenType) -> Rules {
        Rules {
            token_type,
            fresh: false,
            scopes: &[],
            scope_mode: ScopeMode::All,
            locations: None,
            csrf: true,
            verify_type: true,
            rate: None,
            policy: None,
            kind: None,
        }
    }

    /// Starts rules by hand; [`RulesBuilder::build`] checks them with the grammar
    /// `#[protect]` checks at compile time.
    ///
    /// ```
    /// use authx::{Rules, guard::RateKeyRule};
    ///
    /// let rules = Rules::builder()
    ///     .fresh()
    ///     .scopes(["admin:*"])
    ///     .rate("10/60s", RateKeyRule::Ip)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rules.scopes, ["admin:*"]);
    /// assert!(Rules::builder().scopes(["admin::x"]).build().is_err());
    /// ```
    pub fn builder() -> RulesBuilder {
        RulesBuilder::default()
    }

    /// The rules `#[protect]` generates. Not a public API: the macro validated the values.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __from_macro(
        token_type: TokenType,
        fresh: bool,
        scopes: &'static [&'static str],
        scope_mode: ScopeMode,
        locations: Option<&'static [TokenLocation]>,
        csrf: bool,
        verify_type: bool,
        rate: Option<RateRule>,
        policy: Option<(&'static str, PolicyFn)>,
        kind: Option<&'static str>,
    ) -> Rules {
        Rules {
            token_type,
            fresh,
            scopes,
            scope_mode,
            locations,
            csrf,
            verify_type,
            rate,
            policy,
            kind,
        }
    }
}

/// Hand-written [`Rules`], checked when built. Start with [`Rules::builder`].
///
/// Rules are meant to be built once, at start-up: a built `Rules` is `Copy` and `'static`, so
/// its strings are kept for the life of the process.
#[derive(Debug, Default)]
#[must_use]
pub struct RulesBuilder {
    refresh: bool,
    fresh: bool,
    scopes: Vec<String>,
    any: bool,
    locations: Option<Vec<TokenLocation>>,
    no_csrf: bool,
    any_type: bool,
    rate: Option<(String, RateKeyRule)>,
    policy: Option<(&'static str, PolicyFn)>,
    kind: Option<String>,
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
        let rate = match self.rate {
            Some((spec, key)) => {
                let spec = authx_spec::RateSpec::parse(&spec).map_err(bad)?;
                Some(RateRule {
                    count: spec.count,
                    window_ms: spec.window_millis(),
                    key,
                })
            }
            None => None,
        };
        let keep = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let scopes: Vec<&'static str> = self.scopes.into_iter().map(keep).collect();
        Ok(Rules {
            token_type: if self.refresh {
                TokenType::Refresh
            } else {
                TokenType::Access
            },
            fresh: self.fresh,
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
        })
    }
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rules")
            .field("token_type", &self.token_type)
            .field("fresh", &self.fresh)
            .field("scopes", &self.scopes)
            .field("scope_mode", &self.scope_mode)
            .field("locations", &self.locations)
            .field("csrf", &self.csrf)
            .field("verify_type", &self.verify_type)
            .field("rate", &self.rate)
            .field("policy", &self.policy.map(|(name, _)| name))
            .field("kind", &self.kind)
            .finish()
    }
}
