//! [`VaultPayload<T>`]: the request's opened vault token, as an axum extractor.

use std::ops::{Deref, DerefMut};

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::Vault;
use crate::error::AuthError;

/// The payload of the request's vault token (fastapi-authix's `Depends(vault.require_data)`),
/// with the token's id and expiry. Dereferences to the payload.
///
/// Needs a [`Vault`] reachable from the router state (`Vault: FromRef<S>`). Refuses with `401`
/// when the token is missing ([`AuthError::VaultTokenMissing`]), invalid
/// ([`AuthError::VaultTokenInvalid`]), expired ([`AuthError::Expired`]) or disabled
/// ([`AuthError::Revoked`]). `Option<VaultPayload<T>>` is `None` when there is no token at all,
/// and still refuses a token that is present but bad.
///
/// ```
/// use authx::vault::VaultPayload;
/// use axum::Json;
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// struct User { name: String }
///
/// async fn me(user: VaultPayload<User>) -> Json<User> {
///     Json(user.into_inner())
/// }
/// ```
#[derive(Clone, PartialEq)]
pub struct VaultPayload<T = serde_json::Value> {
    /// The sealed payload.
    pub data: T,
    /// The token's id (what [`Vault::disable`] records).
    pub jti: String,
    /// When the token expires, seconds since the epoch.
    pub exp: i64,
    pub(crate) token: String,
}

impl<T: std::fmt::Debug> std::fmt::Debug for VaultPayload<T> {
    /// The payload, id and expiry; never the token, which is a bearer credential.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultPayload")
            .field("data", &self.data)
            .field("jti", &self.jti)
            .field("exp", &self.exp)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl<T> VaultPayload<T> {
    /// The payload.
    pub fn into_inner(self) -> T {
        self.data
    }

    /// The token it came from (to [`disable`](Vault::disable) it on logout).
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl<T> Deref for VaultPayload<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T> DerefMut for VaultPayload<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<S, T> FromRequestParts<S> for VaultPayload<T>
where
    Vault: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Vault::from_ref(state).require(parts).await
    }
}

impl<S, T> OptionalFromRequestParts<S> for VaultPayload<T>
where
    Vault: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let vault = Vault::from_ref(state);
        match vault.token(parts)? {
            Some(token) => vault.open_payload(token).await.map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultConfig;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn me(p: VaultPayload<String>) -> String {
        format!("{}:{}", *p, p.jti.len())
    }

    async fn maybe(p: Option<VaultPayload<String>>) -> String {
        p.map_or_else(|| "anonymous".into(), |p| p.into_inner())
    }

    async fn call(app: &Router, path: &str, cookie: Option<&str>) -> (u16, String) {
        let mut req = http::Request::get(path);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let res = app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn extracts_and_refuses() {
        let vault = Vault::new(VaultConfig::builder().key(Vault::generate_key()).build()).unwrap();
        let app = Router::new()
            .route("/me", get(me))
            .route("/maybe", get(maybe))
            .with_state(vault.clone());
        let token = vault.seal("ada").unwrap();
        let cookie = format!("vault_token={token}");

        assert_eq!(
            call(&app, "/me", Some(&cookie)).await,
            (200, "ada:36".into())
        );
        let (status, body) = call(&app, "/me", None).await;
        assert_eq!(status, 401);
        assert!(body.contains("MissingTokenError"), "{body}");
        let (status, body) = call(&app, "/me", Some("vault_token=junk")).await;
        assert_eq!(status, 401);
        assert!(body.contains("InvalidVaultTokenError"), "{body}");

        assert_eq!(
            call(&app, "/maybe", Some(&cookie)).await,
            (200, "ada".into())
        );
        assert_eq!(call(&app, "/maybe", None).await, (200, "anonymous".into()));
        let (status, body) = call(&app, "/maybe", Some("vault_token=junk")).await;
        assert_eq!(status, 401);
        assert!(body.contains("InvalidVaultTokenError"), "{body}");

        vault.disable(&token).await.unwrap();
        let (status, body) = call(&app, "/me", Some(&cookie)).await;
        assert_eq!(status, 401);
        assert!(body.contains("RevokedTokenError"), "{body}");
    }
}
