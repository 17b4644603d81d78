//! [`IssuerConfig`]: one identity provider, its key source, the checks its tokens must pass and
//! how its claims map onto authx [`Claims`](crate::Claims).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::fetch::check_url;
use crate::config::ConfigError;
use crate::token::Algorithm;

use crate::wire::{de_millis, de_one_or_many, de_secs};

/// The algorithms accepted from an identity provider unless configured otherwise: every
/// asymmetric algorithm. Never an HMAC one (its "secret" would be the provider's public key),
/// never `none`.
pub const DEFAULT_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// One external token issuer (an OpenID Connect provider such as Keycloak, Auth0, Entra ID,
/// Cognito, Google, Dex...), verified with the keys it publishes.
///
/// Build with [`IssuerConfig::builder`] or deserialize (durations: `refresh_interval`,
/// `min_refetch_interval` and `leeway` in seconds, `fetch_timeout` in milliseconds, as
/// [`AuthConfig`](crate::AuthConfig)'s are). Register it with
/// [`AuthBuilder::issuer`](crate::AuthBuilder::issuer).
///
/// ```
/// use authx::jwks::IssuerConfig;
///
/// let keycloak = IssuerConfig::builder("https://sso.example.com/realms/shop")
///     .audience("orders-api")
///     .role_claim("realm_access.roles")
///     .role_scope("admin", "admin:*")
///     .build();
/// assert!(keycloak.jwks_url.is_none()); // found by OpenID Connect discovery
///
/// let from_json: IssuerConfig = serde_json::from_value(serde_json::json!({
///     "issuer": "https://tenant.eu.auth0.com/",
///     "jwks_url": "https://tenant.eu.auth0.com/.well-known/jwks.json",
///     "audience": ["orders-api", "billing-api"],
///     "claims": { "role_claims": ["https://example.com/roles"] }
/// })).unwrap();
/// assert_eq!(from_json.audience.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct IssuerConfig {
    /// The issuer: a token's `iss` must equal it exactly. It also picks which issuer verifies a
    /// token, and is the base of discovery (`{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// Where the JSON Web Key Set is served. Default none: it is found by OpenID Connect
    /// discovery, from the `jwks_uri` of the issuer's configuration document.
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// Accepted audiences (one string or a list): a token's `aud` must name at least one.
    /// Required.
    #[serde(deserialize_with = "de_one_or_many")]
    pub audience: Vec<String>,
    /// Accepted algorithms. Default [`DEFAULT_ALGORITHMS`]; HMAC algorithms are refused.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<Algorithm>,
    /// How often keys are fetched again in the background. Default 10 minutes.
    #[serde(default = "default_refresh_interval", deserialize_with = "de_secs")]
    pub refresh_interval: Duration,
    /// The least time between two fetches caused by tokens naming an unknown `kid`: a flood
    /// of made-up `kid`s costs the provider at most one request per interval. Default 30 s.
    #[serde(default = "default_min_refetch_interval", deserialize_with = "de_secs")]
    pub min_refetch_interval: Duration,
    /// Bound on one fetch (discovery and key set together), milliseconds in serde. A request
    /// waiting for keys never waits longer. Default 2 s.
    #[serde(default = "default_fetch_timeout", deserialize_with = "de_millis")]
    pub fetch_timeout: Duration,
    /// Clock skew allowed on `exp`, `nbf` and `iat` (the provider's clock is not ours).
    /// Default 30 s.
    #[serde(default = "default_leeway", deserialize_with = "de_secs")]
    pub leeway: Duration,
    /// Allow plain `http://` key URLs on hosts other than loopback. Default `false`: keys
    /// fetched over plain HTTP could be swapped by anyone on the path.
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// How the provider's claims become authx claims.
    #[serde(default)]
    pub claims: ClaimsMapping,
}

/// How an identity provider's claims map onto authx [`Claims`](crate::Claims).
///
/// Paths are dotted (`realm_access.roles` reads `{"realm_access": {"roles": [...]}}`); a claim
/// whose name itself contains a dot (`https://example.com/roles`) is found too, as a whole
/// name first.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ClaimsMapping {
    /// The claim that becomes [`Claims::sub`](crate::Claims::sub), after
    /// [`subject_prefix`](Self::subject_prefix). Default `sub`.
    pub subject_claim: String,
    /// What a provider's subjects start with in authx, so they never collide with this
    /// service's own subjects, nor another provider's, in sessions, revocations, the allowlist
    /// or rate-limit keys: [`Claims::sub`](crate::Claims::sub) is the prefix, then the
    /// provider's subject ([`Claims::jti`](crate::Claims::jti) likewise). Local subjects must
    /// not start with it: keep user-chosen names out of that shape. Default (`None`): the issuer and `|` (`https://idp.example.com|248289761001`).
    /// It may not be empty.
    pub subject_prefix: Option<String>,
    /// Claims holding granted scopes: a space-separated string (`scope`, RFC 8693) or a list
    /// (`scp`, Entra ID / Okta). Default `["scope", "scp"]`.
    pub scope_claims: Vec<String>,
    /// Claims holding roles (a list or a single string), e.g. `realm_access.roles`
    /// (Keycloak), `roles`, `groups`, `cognito:groups`. Default none.
    pub role_claims: Vec<String>,
    /// Roles with an explicit meaning: each becomes the listed scopes, e.g.
    /// `admin` → `["admin:*"]`.
    pub role_scopes: BTreeMap<String, Vec<String>>,
    /// Prefix of the scope granted by a role absent from [`role_scopes`](Self::role_scopes):
    /// role `auditor` grants scope `role:auditor`. Default `role:`; it may not be empty. A
    /// role that does not make a literal scope under the prefix (`*`, `admin:*`, a space...)
    /// grants nothing: the provider's role names never become wildcards or other apps'
    /// scopes. Give a role real scopes through `role_scopes`.
    pub role_prefix: String,
    /// A claim naming how the user logged in (`amr`, `idp`, `login_type`...), copied into the
    /// extra data as `login_type` (the user kind `#[protect(kind = ...)]` checks). Default
    /// none: then a `login_type` claim in the provider's token is dropped, never taken as a
    /// kind.
    pub login_type_claim: Option<String>,
}

impl Default for ClaimsMapping {
    fn default() -> Self {
        ClaimsMapping {
            subject_claim: "sub".into(),
            subject_prefix: None,
            scope_claims: vec!["scope".into(), "scp".into()],
            role_claims: Vec::new(),
            role_scopes: BTreeMap::new(),
            role_prefix: "role:".into(),
            login_type_claim: None,
        }
    }
}

impl IssuerConfig {
    /// Starts a builder for `issuer`, with keys found by discovery and every other setting at
    /// its default. An audience is still required.
    pub fn builder(issuer: impl Into<String>) -> IssuerConfigBuilder {
        IssuerConfigBuilder(IssuerConfig {
            issuer: issuer.into(),
            jwks_url: None,
            audience: Vec::new(),
            algorithms: default_algorithms(),
            refresh_interval: default_refresh_interval(),
            min_refetch_interval: default_min_refetch_interval(),
            fetch_timeout: default_fetch_timeout(),
            leeway: default_leeway(),
            allow_insecure_http: false,
            claims: ClaimsMapping::default(),
        })
    }

    /// The OpenID Connect discovery document's address:
    /// `{issuer}/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }
}

/// Builder of [`IssuerConfig`]; each method sets the field of the same name.
#[derive(Debug, Clone)]
#[must_use]
pub struct IssuerConfigBuilder(IssuerConfig);

impl IssuerConfigBuilder {
    /// Fetches keys from this JWKS address instead of discovering it.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.0.jwks_url = Some(url.into());
        self
    }
    /// Adds an accepted audience. See [`IssuerConfig::audience`].
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.0.audience.push(aud.into());
        self
    }
    /// See [`IssuerConfig::algorithms`].
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.0.algorithms = algorithms.into_iter().collect();
        self
    }
    /// See [`IssuerConfig::refresh_interval`].
    pub fn refresh_interval(mut self, d: Duration) -> Self {
        self.0.refresh_interval = d;
        self
    }
    /// See [`IssuerConfig::min_refetch_interval`].
    pub fn min_refetch_interval(mut self, d: Duration) -> Self {
        self.0.min_refetch_interval = d;
        self
    }
    /// See [`IssuerConfig::fetch_timeout`].
    pub fn fetch_timeout(mut self, d: Duration) -> Self {
        self.0.fetch_timeout = d;
        self
    }
    /// See [`IssuerConfig::leeway`].
    pub fn leeway(mut self, d: Duration) -> Self {
        self.0.leeway = d;
        self
    }
    /// See [`IssuerConfig::allow_insecure_http`].
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.0.allow_insecure_http = allow;
        self
    }
    /// See [`ClaimsMapping::subject_claim`].
    pub fn subject_claim(mut self, path: impl Into<String>) -> Self {
        self.0.claims.subject_claim = path.into();
        self
    }
    /// See [`ClaimsMapping::subject_prefix`].
    pub fn subject_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.0.claims.subject_prefix = Some(prefix.into());
        self
    }
    /// Replaces the scope claims. See [`ClaimsMapping::scope_claims`].
    pub fn scope_claims(mut self, paths: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.claims.scope_claims = paths.into_iter().map(Into::into).collect();
        self
    }
    /// Adds a role claim. See [`ClaimsMapping::role_claims`].
    pub fn role_claim(mut self, path: impl Into<String>) -> Self {
        self.0.claims.role_claims.push(path.into());
        self
    }
    /// Makes `role` grant `scope` (call again to grant several). See
    /// [`ClaimsMapping::role_scopes`].
    pub fn role_scope(mut self, role: impl Into<String>, scope: impl Into<String>) -> Self {
        self.0
            .claims
            .role_scopes
            .entry(role.into())
            .or_default()
            .push(scope.into());
        self
    }
    /// See [`ClaimsMapping::role_prefix`].
    pub fn role_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.0.claims.role_prefix = prefix.into();
        self
    }
    /// See [`ClaimsMapping::login_type_claim`].
    pub fn login_type_claim(mut self, path: impl Into<String>) -> Self {
        self.0.claims.login_type_claim = Some(path.into());
        self
    }
    /// Replaces the whole claims mapping.
    pub fn claims(mut self, mapping: ClaimsMapping) -> Self {
        self.0.claims = mapping;
        self
    }
    /// The configuration. It is checked when the [`Auth`](crate::Auth) is built.
    pub fn build(self) -> IssuerConfig {
        self.0
    }
}

fn default_algorithms() -> Vec<Algorithm> {
    DEFAULT_ALGORITHMS.to_vec()
}

fn default_refresh_interval() -> Duration {
    Duration::from_secs(10 * 60)
}

fn default_min_refetch_interval() -> Duration {
    Duration::from_secs(30)
}

fn default_fetch_timeout() -> Duration {
    Duration::from_secs(2)
}

fn default_leeway() -> Duration {
    Duration::from_secs(30)
}

/// What the types do not check about an issuer's configuration.
pub(crate) fn validate(config: &IssuerConfig) -> Result<(), ConfigError> {
    let invalid = |field, reason: String| Err(ConfigError::Invalid { field, reason });
    if config.issuer.trim().is_empty() {
        return invalid("issuers.issuer", "is empty".into());
    }
    let name = &config.issuer;
    if config.audience.is_empty() || config.audience.iter().any(String::is_empty) {
        return invalid(
            "issuers.audience",
            format!(
                "{name}: give the audience its tokens must name (the API's client id or identifier)"
            ),
        );
    }
    if config.algorithms.is_empty() {
        return invalid("issuers.algorithms", format!("{name}: is empty"));
    }
    if let Some(alg) = config.algorithms.iter().find(|a| a.is_hmac()) {
        return invalid(
            "issuers.algorithms",
            format!(
                "{name}: {alg:?} is symmetric; a provider's tokens are verified with public keys only"
            ),
        );
    }
    if config.fetch_timeout.is_zero() || config.refresh_interval.is_zero() {
        return invalid(
            "issuers.fetch_timeout",
            format!("{name}: fetch_timeout and refresh_interval must be above 0"),
        );
    }
    if config.claims.subject_claim.is_empty() {
        return invalid("issuers.claims.subject_claim", format!("{name}: is empty"));
    }
    if config.claims.subject_prefix.as_deref() == Some("") {
        return invalid(
            "issuers.claims.subject_prefix",
            format!(
                "{name}: is empty; a provider's subjects need a prefix of their own (such as \
                 \"google|\") so they never collide with this service's subjects"
            ),
        );
    }
    let prefix = &config.claims.role_prefix;
    let probe = format!("{prefix}role");
    if prefix.is_empty()
        || authx_spec::ScopePattern::parse(&probe).map_or(true, |p| p.is_wildcard())
    {
        return invalid(
            "issuers.claims.role_prefix",
            format!(
                "{name}: {prefix:?} must be a non-empty scope prefix such as \"role:\", so a \
                 provider's role names only scopes under it (a role named `*` never becomes a \
                 wildcard); give roles with a meaning their scopes through role_scopes"
            ),
        );
    }
    for scopes in config.claims.role_scopes.values() {
        if let Some(bad) = scopes
            .iter()
            .find(|s| authx_spec::ScopePattern::parse(s).is_err())
        {
            return invalid(
                "issuers.claims.role_scopes",
                format!("{name}: {bad:?} is not a scope pattern"),
            );
        }
    }
    let url = match &config.jwks_url {
        Some(url) => url.clone(),
        None => config.discovery_url(),
    };
    check_url(&url, config.allow_insecure_http)
        .map(|_| ())
        .or_else(|reason| invalid("issuers.jwks_url", format!("{name}: {reason}")))
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
