//! [`Principal`]: who a request acts for, and with which kind of credential.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;

use super::Rejection;
use crate::Auth;
use crate::auth::api_key::KeyUsed;
use crate::guard::{Credentials, Rules};
use crate::token::Claims;

/// Who a request acts for, and with which credential: on a route that takes several kinds
/// (`#[protect(credentials = "bearer | api_key")]`), how a handler tells them apart.
///
/// On a guarded route it is what the guard let through; elsewhere it takes a bearer token or
/// an API key, as `credentials = "bearer | api_key"` would.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Principal {
    /// The token's claims, or those the API key stands for (its owner as `sub`, or
    /// `service:<name>` for a service account's key; its id as `jti`; its scopes).
    pub claims: Claims,
    /// The kind of credential, and for a key, which.
    pub credential: Credential,
}

/// The kind of credential a [`Principal`] came with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// A bearer token (a JWT).
    Bearer,
    /// An API key.
    ApiKey {
        /// Its public id (`ak_…`).
        id: String,
        /// The name its owner gave it.
        name: String,
        /// Its owner is a service account.
        service: bool,
    },
}

impl Principal {
    /// Who it acts for: a user's subject, or `service:<name>` for a service account.
    pub fn subject(&self) -> &str {
        &self.claims.sub
    }

    /// The request came with an API key.
    pub fn is_api_key(&self) -> bool {
        matches!(self.credential, Credential::ApiKey { .. })
    }
}

/// The rules of a `Principal` on a route without a guard: either kind.
const EITHER: Rules = Rules::ACCESS.__with_credentials(Credentials::ANY);

impl<S> FromRequestParts<S> for Principal
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let claims: Arc<Claims> = match crate::request::cache::guarded(parts) {
            Some(claims) => claims,
            None => auth
                .request_claims(parts, &EITHER)
                .await
                .map_err(|e| Rejection::new(&auth, e))?,
        };
        let credential = match KeyUsed::of(parts, &claims) {
            Some(key) => Credential::ApiKey {
                id: key.id.to_string(),
                name: key.name.to_string(),
                service: key.service,
            },
            None => Credential::Bearer,
        };
        Ok(Principal {
            claims: Claims::clone(&claims),
            credential,
        })
    }
}
