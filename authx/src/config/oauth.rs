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
    /// `https://api.example.com` (`http` for localhost only): enables the protected-resource
    /// metadata and the `resource_metadata` parameter of every challenge. Default none.
    pub resource: Option<String>,
    /// The authorization servers whose tokens this API accepts (their issuer URLs), listed in
    /// the protected-resource metadata. Default none.
    pub authorization_servers: Vec<String>,
    /// The JWT profile for OAuth 2.0 access tokens (RFC 9068): access tokens are issued with
    /// the header `typ: at+jwt` (and [`client_id`](Self::client_id) when set), and an access
    /// token without that `typ` is refused (`401 JWTDecodeError`), so no other JWT of the same
    /// issuer and key (an ID token, a refresh token) can pass for one. Default `false`: Python
    /// AuthX issues plain `typ: JWT` tokens.
    pub jwt_access_token_profile: bool,
    /// The OAuth client the access tokens are issued to (RFC 9068's `client_id` claim), written
    /// when [`jwt_access_token_profile`](Self::jwt_access_token_profile) is on. Default none.
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
    /// endpoints, with HTTP Basic authentication. Default none: every call is refused.
    pub clients: Vec<OAuthClient>,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            resource: None,
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

/// A client of the introspection and revocation endpoints.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OAuthClient {
    /// The client id.
    pub id: String,
    /// The client secret, compared in constant time.
    pub secret: Secret,
}

impl OAuthClient {
    /// A client with its id and secret.
    pub fn new(id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        OAuthClient {
            id: id.into(),
            secret: secret.into(),
        }
    }

    /// `id:secret` pairs separated by commas, as `AUTHX_OAUTH_CLIENTS` holds them.
    pub(crate) fn parse_list(list: &[String]) -> Result<Vec<OAuthClient>, String> {
        list.iter()
            .map(|pair| match pair.split_once(':') {
                Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                    Ok(OAuthClient::new(id, secret))
                }
                _ => Err("expected `id:secret` pairs separated by commas".to_owned()),
            })
            .collect()
    }
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .finish()
    }
}
