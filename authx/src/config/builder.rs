//! [`AuthConfigBuilder`].

use std::time::Duration;

use super::Algorithm;
use super::{
    AuthConfig, CookieConfig, CsrfConfig, KeySource, Secret, TokenLocation, VerificationKey,
};

/// Builder of [`AuthConfig`]; each method sets the field of the same name.
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthConfigBuilder(pub(super) AuthConfig);

impl AuthConfigBuilder {
    /// See [`AuthConfig::algorithm`].
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.0.algorithm = algorithm;
        self
    }
    /// See [`AuthConfig::secret_key`].
    pub fn secret_key(mut self, secret: impl Into<Secret>) -> Self {
        self.0.secret_key = Some(secret.into());
        self
    }
    /// See [`AuthConfig::private_key`]: PEM text or a path.
    pub fn private_key(mut self, key: impl Into<KeySource>) -> Self {
        self.0.private_key = Some(key.into());
        self
    }
    /// See [`AuthConfig::public_key`]: PEM text or a path.
    pub fn public_key(mut self, key: impl Into<KeySource>) -> Self {
        self.0.public_key = Some(key.into());
        self
    }
    /// See [`AuthConfig::key_id`].
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.0.key_id = Some(kid.into());
        self
    }
    /// Adds a previous verification key. See [`AuthConfig::previous_keys`].
    pub fn previous_key(mut self, key: VerificationKey) -> Self {
        self.0.previous_keys.push(key);
        self
    }
    /// See [`AuthConfig::token_locations`].
    pub fn token_locations(mut self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        self.0.token_locations = locations.into_iter().collect();
        self
    }
    /// See [`AuthConfig::header_name`] and [`AuthConfig::header_type`].
    pub fn header(mut self, name: impl Into<String>, scheme: impl Into<String>) -> Self {
        self.0.header_name = name.into();
        self.0.header_type = scheme.into();
        self
    }
    /// See [`AuthConfig::query_param`].
    pub fn query_param(mut self, name: impl Into<String>) -> Self {
        self.0.query_param = name.into();
        self
    }
    /// See [`AuthConfig::json_key`] and [`AuthConfig::refresh_json_key`].
    pub fn json_keys(mut self, access: impl Into<String>, refresh: impl Into<String>) -> Self {
        self.0.json_key = access.into();
        self.0.refresh_json_key = refresh.into();
        self
    }
    /// See [`AuthConfig::access_token_expires`].
    pub fn access_token_expires(mut self, d: Duration) -> Self {
        self.0.access_token_expires = d;
        self
    }
    /// See [`AuthConfig::refresh_token_expires`].
    pub fn refresh_token_expires(mut self, d: Duration) -> Self {
        self.0.refresh_token_expires = d;
        self
    }
    /// See [`AuthConfig::issuer`].
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.0.issuer = Some(iss.into());
        self
    }
    /// Adds an audience. See [`AuthConfig::audience`].
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.0.audience.push(aud.into());
        self
    }
    /// See [`AuthConfig::leeway`].
    pub fn leeway(mut self, d: Duration) -> Self {
        self.0.leeway = d;
        self
    }
    /// See [`AuthConfig::max_token_size`].
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.0.max_token_size = bytes;
        self
    }
    /// Which verified tokens are remembered. See [`VerifyCache`](super::VerifyCache).
    pub fn verify_cache(mut self, mode: super::VerifyCacheMode) -> Self {
        self.0.verify_cache.mode = mode;
        self
    }
    /// The most verified tokens remembered. See [`VerifyCache`](super::VerifyCache).
    pub fn verify_cache_capacity(mut self, entries: usize) -> Self {
        self.0.verify_cache.capacity = entries;
        self
    }
    /// Turns the revocation near-cache on or off. See [`NearCache`](super::NearCache).
    pub fn near_cache(mut self, on: bool) -> Self {
        self.0.near_cache.enabled = on;
        self
    }
    /// The secret API keys are hashed with. See [`ApiKeyConfig::pepper`](super::ApiKeyConfig::pepper).
    pub fn api_key_pepper(mut self, pepper: impl Into<String>) -> Self {
        self.0.api_keys.pepper = Some(super::Secret::new(pepper));
        self
    }
    /// What API keys start with, such as `authx_live`. See [`ApiKeyConfig`](super::ApiKeyConfig).
    pub fn api_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.0.api_keys.prefix = prefix.into();
        self
    }
    /// See [`AuthConfig::store_timeout`].
    pub fn store_timeout(mut self, d: Duration) -> Self {
        self.0.store_timeout = d;
        self
    }
    /// Adds a trusted proxy (address or CIDR). See [`AuthConfig::trusted_proxies`].
    pub fn trusted_proxy(mut self, net: impl Into<String>) -> Self {
        self.0.trusted_proxies.push(net.into());
        self
    }
    /// See [`AuthConfig::store_url`].
    pub fn store_url(mut self, url: impl Into<String>) -> Self {
        self.0.store_url = url.into();
        self
    }
    /// See [`AuthConfig::allowlist`].
    pub fn allowlist(mut self, on: bool) -> Self {
        self.0.allowlist = on;
        self
    }
    /// See [`AuthConfig::keys_file`].
    pub fn keys_file(mut self, path: impl Into<String>) -> Self {
        self.0.keys_file = Some(path.into());
        self
    }
    /// See [`AuthConfig::keys_reload_interval`].
    pub fn keys_reload_interval(mut self, every: Duration) -> Self {
        self.0.keys_reload_interval = Some(every);
        self
    }
    /// See [`OAuthConfig::jwt_access_token_profile`](super::OAuthConfig::jwt_access_token_profile).
    pub fn jwt_access_token_profile(mut self, on: bool) -> Self {
        self.0.oauth.jwt_access_token_profile = on;
        self
    }
    /// See [`OAuthConfig::client_id`](super::OAuthConfig::client_id).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.0.oauth.client_id = Some(client_id.into());
        self
    }
    /// See [`OAuthConfig::resource`](super::OAuthConfig::resource).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.0.oauth.resource = Some(resource.into());
        self
    }
    /// Adds one of [`OAuthConfig::authorization_servers`](super::OAuthConfig::authorization_servers).
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.0.oauth.authorization_servers.push(issuer.into());
        self
    }
    /// See [`OAuthConfig::dpop_base_url`](super::OAuthConfig::dpop_base_url).
    pub fn dpop_base_url(mut self, url: impl Into<String>) -> Self {
        self.0.oauth.dpop_base_url = Some(url.into());
        self
    }
    /// See [`OAuthConfig::dpop_max_age`](super::OAuthConfig::dpop_max_age).
    pub fn dpop_max_age(mut self, max_age: Duration) -> Self {
        self.0.oauth.dpop_max_age = max_age;
        self
    }
    /// See [`OAuthConfig::dpop_nonce`](super::OAuthConfig::dpop_nonce).
    pub fn dpop_nonce(mut self, on: bool) -> Self {
        self.0.oauth.dpop_nonce = on;
        self
    }
    /// Adds a client of the introspection and revocation endpoints
    /// ([`OAuthConfig::clients`](super::OAuthConfig::clients)). Its secret must be at least
    /// [`MIN_CLIENT_SECRET_LEN`](super::MIN_CLIENT_SECRET_LEN) bytes, or
    /// [`Auth::new`](crate::Auth::new) refuses the configuration.
    pub fn oauth_client(self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.oauth_client_entry(super::OAuthClient::new(id, secret.into()))
    }
    /// Adds a client ([`oauth_client`](Self::oauth_client)) that may introspect every token,
    /// not only its own ([`OAuthClient::introspects_all`](super::OAuthClient::introspects_all)).
    pub fn oauth_introspector(self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.oauth_client_entry(super::OAuthClient::new(id, secret.into()).introspecting_all())
    }
    /// Adds a client as built ([`OAuthConfig::clients`](super::OAuthConfig::clients)).
    pub fn oauth_client_entry(mut self, client: super::OAuthClient) -> Self {
        self.0.oauth.clients.push(client);
        self
    }
    /// See [`OAuthConfig::resource_name`](super::OAuthConfig::resource_name).
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.0.oauth.resource_name = Some(name.into());
        self
    }
    /// See [`AuthConfig::refresh_rotation`].
    pub fn refresh_rotation(mut self, on: bool) -> Self {
        self.0.refresh_rotation = on;
        self
    }
    /// See [`AuthConfig::max_sessions_per_subject`].
    pub fn max_sessions_per_subject(mut self, cap: usize) -> Self {
        self.0.max_sessions_per_subject = cap;
        self
    }

    /// See [`AuthConfig::store_fail_open`].
    pub fn store_fail_open(mut self, fail_open: bool) -> Self {
        self.0.store_fail_open = fail_open;
        self
    }
    /// See [`AuthConfig::forwarded_header`].
    pub fn forwarded_header(mut self, name: impl Into<String>) -> Self {
        self.0.forwarded_header = name.into();
        self
    }
    /// See [`AuthConfig::ipv6_prefix`].
    pub fn ipv6_prefix(mut self, bits: u8) -> Self {
        self.0.ipv6_prefix = bits;
        self
    }
    /// See [`AuthConfig::ws_recheck_interval`].
    pub fn ws_recheck_interval(mut self, interval: Duration) -> Self {
        self.0.ws_recheck_interval = interval;
        self
    }
    /// See [`AuthConfig::cookies`].
    pub fn cookies(mut self, cookies: CookieConfig) -> Self {
        self.0.cookies = cookies;
        self
    }
    /// Sets the `Secure` cookie attribute (turn off only for plain-HTTP development).
    pub fn cookie_secure(mut self, secure: bool) -> Self {
        self.0.cookies.secure = secure;
        self
    }
    /// See [`AuthConfig::csrf`].
    pub fn csrf(mut self, csrf: CsrfConfig) -> Self {
        self.0.csrf = csrf;
        self
    }
    /// Turns CSRF double-submit checking on or off.
    pub fn csrf_enabled(mut self, enabled: bool) -> Self {
        self.0.csrf.enabled = enabled;
        self
    }
    /// The configuration. It is checked by [`Auth::new`](crate::Auth::new).
    pub fn build(self) -> AuthConfig {
        self.0
    }
}
