//! OAuth 2 resource-server settings: [`OAuthConfig`] and the [`OAuthClient`]s that may call
//! the introspection and revocation endpoints.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::keys::Secret;

/// authx as an OAuth 2 resource server and token service ([`oauth`](crate::oauth)).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct OAuthConfig {
    /// This API's resource identifier (RFC 9728), an `https` URL such as
    /// `https://api.example.com`, with no query and no fragment: enables the protected-resource
    /// metadata and the `resource_metadata` parameter of every challenge. Plain `http` is
    /// accepted only for a loopback resource (`localhost`, `127.0.0.1` or `[::1]`, any port),
    /// for development; [`Auth::new`](crate::Auth::new) refuses any other. Default none.
    pub resource: Option<String>,
    /// A human-readable name of this API, the `resource_name` of the protected-resource
    /// metadata (RFC 9728 section 2). Default none: the config's
    /// [`issuer`](crate::AuthConfig::issuer) when set, else no name.
    pub resource_name: Option<String>,
    /// The authorization servers whose tokens this API accepts (their issuer URLs), listed in
    /// the protected-resource metadata. Default none.
    pub authorization_servers: Vec<String>,
    /// The JWT profile for OAuth 2.0 access tokens (RFC 9068): access tokens are issued with
    /// the header `typ: at+jwt` (and [`client_id`](Self::client_id) when set), and an access
    /// token without that `typ` is refused (`401 JWTDecodeError`), so no other JWT of the same
    /// issuer and key (an ID token, a refresh token) can pass for one. Default `false`: Python
    /// AuthX issues plain `typ: JWT` tokens.
    pub jwt_access_token_profile: bool,
    /// The OAuth client this service's tokens are issued to (RFC 9068's `client_id` claim),
    /// written on access and refresh tokens alike when
    /// [`jwt_access_token_profile`](Self::jwt_access_token_profile) is on. Default none.
    pub client_id: Option<String>,
    /// The external base URL of this API (`https://api.example.com`, no path) against which
    /// DPoP proofs' `htu` is compared. Default: the origin of [`resource`](Self::resource);
    /// without either, the request's `Host` header with either scheme, which a client or proxy
    /// writes, so set one of them in production.
    pub dpop_base_url: Option<String>,
    /// How old a DPoP proof's `iat` may be, seconds in serde; its `jti` is remembered that
    /// long. Default 60 s.
    #[serde(deserialize_with = "crate::wire::de_secs")]
    pub dpop_max_age: Duration,
    /// Server nonces for DPoP proofs (RFC 9449 section 8): a proof without a current nonce is
    /// refused with `use_dpop_nonce` and a `DPoP-Nonce` to retry with. Nonces are made per
    /// instance. Default `false`.
    pub dpop_nonce: bool,
    /// The clients allowed to call the introspection (RFC 7662) and revocation (RFC 7009)
    /// endpoints, with HTTP Basic authentication. Each secret must be at least
    /// [`MIN_CLIENT_SECRET_LEN`] bytes ([`Auth::new`](crate::Auth::new) and the environment
    /// loader refuse shorter ones). Default none: every call is refused.
    pub clients: Vec<OAuthClient>,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            resource: None,
            resource_name: None,
            authorization_servers: Vec::new(),
            jwt_access_token_profile: false,
            client_id: None,
            dpop_base_url: None,
            dpop_max_age: Duration::from_secs(60),
            dpop_nonce: false,
            clients: Vec::new(),
        }
    }
}

/// The shortest client secret accepted, in bytes: 32, a 256-bit secret when it is random.
pub const MIN_CLIENT_SECRET_LEN: usize = 32;

/// A client of the introspection and revocation endpoints.
///
/// A client introspects and revokes only the tokens issued to it (their `client_id` claim,
/// see [`TokenBuilder::client_id`](crate::token::TokenBuilder::client_id)), unless it
/// [`introspects_all`](Self::introspects_all): a resource server that validates every token of
/// this service.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OAuthClient {
    /// The client id.
    pub id: String,
    /// The client secret, at least [`MIN_CLIENT_SECRET_LEN`] bytes; compared as a SHA-256
    /// digest in constant time, so neither its bytes nor its length leak.
    pub secret: Secret,
    /// Whether this client may introspect every token of this service, not only its own
    /// (`AUTHX_OAUTH_INTROSPECTORS`). Revocation stays limited to its own tokens. Default
    /// `false`.
    #[serde(default)]
    pub introspects_all: bool,
}

impl OAuthClient {
    /// A client with its id and secret, introspecting only its own tokens.
    pub fn new(id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        OAuthClient {
            id: id.into(),
            secret: secret.into(),
            introspects_all: false,
        }
    }

    /// This client, allowed to introspect every token (see
    /// [`introspects_all`](Self::introspects_all)).
    pub fn introspecting_all(mut self) -> Self {
        self.introspects_all = true;
        self
    }

    /// Why this client cannot be configured: an empty id or a secret shorter than
    /// [`MIN_CLIENT_SECRET_LEN`] bytes (the message never shows the secret).
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.id.is_empty() {
            return Err("a client id must not be empty".to_owned());
        }
        let len = self.secret.expose().len();
        if len < MIN_CLIENT_SECRET_LEN {
            return Err(format!(
                "the secret of client {:?} is {len} bytes: at least {MIN_CLIENT_SECRET_LEN} are \
                 required (`authx keygen hs` makes one)",
                self.id
            ));
        }
        Ok(())
    }

    /// `id:secret` pairs separated by commas, as `AUTHX_OAUTH_CLIENTS` holds them; each
    /// checked as [`Auth::new`](crate::Auth::new) checks them.
    pub(crate) fn parse_list(list: &[String]) -> Result<Vec<OAuthClient>, String> {
        list.iter()
            .map(|pair| match pair.split_once(':') {
                Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                    let client = OAuthClient::new(id, secret);
                    client.check().map(|()| client)
                }
                _ => Err("expected `id:secret` pairs separated by commas".to_owned()),
            })
            .collect()
    }

    /// Marks the clients named in `ids` (`AUTHX_OAUTH_INTROSPECTORS`) as introspecting every
    /// token; an id that names no client is an error.
    pub(crate) fn mark_introspectors(
        clients: &mut [OAuthClient],
        ids: &[String],
    ) -> Result<(), String> {
        for id in ids {
            let mut found = false;
            for client in clients.iter_mut().filter(|c| &c.id == id) {
                client.introspects_all = true;
                found = true;
            }
            if !found {
                return Err(format!("{id:?} is not a client of AUTHX_OAUTH_CLIENTS"));
            }
        }
        Ok(())
    }
}

impl OAuthConfig {
    /// Why these settings cannot work: the first client that [`OAuthClient::check`] refuses.
    pub(crate) fn check_clients(&self) -> Result<(), String> {
        self.clients.iter().try_for_each(OAuthClient::check)
    }
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .field("introspects_all", &self.introspects_all)
            .finish()
    }
}
