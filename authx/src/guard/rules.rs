//! [`Rules`]: what a route requires, with its rate limits and policy.

use std::fmt;

use authx_spec::ScopeMode;
use http::request::Parts;

pub use super::credentials::Credentials;
pub use super::policy::{BoxFuture, PolicyDecision, PolicyFn};
pub use super::rules_builder::{RulesBuilder, RulesError};
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
    /// The credential: an API key's id (`rate_key = "api_key"`); a bearer token's subject,
    /// on a route that takes either.
    ApiKey,
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
            RateKeyRule::ApiKey => "api_key",
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
    /// The longest time since the user's login (the token's `auth_time`), in seconds, that the
    /// route accepts: `#[protect(max_age = "5m")]` (RFC 9470). A token without `auth_time`
    /// does not meet it.
    pub max_age: Option<u64>,
    /// The authentication context classes the token's `acr` must be one of:
    /// `#[protect(acr = ["mfa", "hwk"])]` (RFC 9470). Empty: any.
    pub acr: &'static [&'static str],
    /// The authentication methods the token's `amr` must all contain:
    /// `#[protect(amr = ["pwd", "otp"])]` (RFC 8176's registry, checked at compile time). A
    /// token lacking one is refused like a failed `acr` (RFC 9470 step-up). Empty: none.
    pub amr: &'static [&'static str],
    /// The token must be DPoP-bound and sent with its proof (`#[protect(dpop)]`, RFC 9449);
    /// a bearer token is refused. Routes without it still take DPoP tokens with their proofs.
    pub dpop: bool,
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
    /// The kinds of credential taken: bearer tokens (default), API keys
    /// (`#[protect(api_key)]`), or either (`credentials = "bearer | api_key"`).
    pub credentials: Credentials,
    /// The Cedar action the route decides on, `"Document::edit"` (the resource type, then the
    /// action), with the resource its loader gave: `#[protect(action = ..., resource = ...)]`
    /// (feature `authz`). Checked against the app's schema at compile time.
    pub action: Option<&'static str>,
}

impl Rules {
    /// An access token, nothing more: the rules of a bare `#[protect]`.
    pub const ACCESS: Rules = Rules::of(TokenType::Access);

    /// A refresh token, nothing more: the rules of `#[protect(refresh)]`.
    pub const REFRESH: Rules = Rules::of(TokenType::Refresh);

    /// A fresh access token: the rules of `#[protect(access, fresh)]` and of
    /// [`FreshClaims`](crate::FreshClaims).
    pub const FRESH: Rules = Rules {
        fresh: true,
        ..Rules::of(TokenType::Access)
    };

    const fn of(token_type: TokenType) -> Rules {
        Rules {
            token_type,
            fresh: false,
            max_age: None,
            acr: &[],
            amr: &[],
            dpop: false,
            scopes: &[],
            scope_mode: ScopeMode::All,
            locations: None,
            csrf: true,
            verify_type: true,
            rate: None,
            policy: None,
            kind: None,
            credentials: Credentials::BEARER,
            action: None,
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
            max_age: None,
            acr: &[],
            amr: &[],
            dpop: false,
            scopes,
            scope_mode,
            locations,
            csrf,
            verify_type,
            rate,
            policy,
            kind,
            credentials: Credentials::BEARER,
            action: None,
        }
    }
}

impl Rules {
    /// Adds the step-up requirements `#[protect(max_age, acr)]` generates. Not a public API:
    /// the macro validated the values.
    #[doc(hidden)]
    pub const fn __with_step_up(
        mut self,
        max_age: Option<u64>,
        acr: &'static [&'static str],
    ) -> Rules {
        self.max_age = max_age;
        self.acr = acr;
        self
    }

    /// Adds the authentication methods `#[protect(amr)]` generates. Not a public API: the
    /// macro validated the values.
    #[doc(hidden)]
    pub const fn __with_amr(mut self, amr: &'static [&'static str]) -> Rules {
        self.amr = amr;
        self
    }

    /// Requires DPoP, as `#[protect(dpop)]` generates. Not a public API.
    #[doc(hidden)]
    pub const fn __with_dpop(mut self) -> Rules {
        self.dpop = true;
        self
    }

    /// Takes these kinds of credential, as `#[protect(api_key)]` and
    /// `#[protect(credentials = "...")]` generate. Not a public API.
    #[doc(hidden)]
    pub const fn __with_credentials(mut self, credentials: Credentials) -> Rules {
        self.credentials = credentials;
        self
    }

    /// Decides `action` on the route's resource, as `#[protect(action = ..., resource = ...)]`
    /// generates (with the guard that loads the resource). Not a public API.
    #[doc(hidden)]
    pub const fn __with_action(mut self, action: &'static str) -> Rules {
        self.action = Some(action);
        self
    }

    /// Whether the route has step-up requirements (`max_age`, `acr` or `amr`).
    pub fn has_step_up(&self) -> bool {
        self.max_age.is_some() || !self.acr.is_empty() || !self.amr.is_empty()
    }
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rules")
            .field("token_type", &self.token_type)
            .field("fresh", &self.fresh)
            .field("max_age", &self.max_age)
            .field("acr", &self.acr)
            .field("amr", &self.amr)
            .field("dpop", &self.dpop)
            .field("scopes", &self.scopes)
            .field("scope_mode", &self.scope_mode)
            .field("locations", &self.locations)
            .field("csrf", &self.csrf)
            .field("verify_type", &self.verify_type)
            .field("rate", &self.rate)
            .field("policy", &self.policy.map(|(name, _)| name))
            .field("kind", &self.kind)
            .field("credentials", &self.credentials)
            .field("action", &self.action)
            .finish()
    }
}
