//! The quickstart's API keys: a user makes keys for scripts (shown once), lists and revokes
//! them; one report takes a bearer token or a key, with a limit per key.

use std::time::Duration;

use authx::{Auth, AuthError, Claims, Credential, Principal, protect};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// What `POST /api-keys` takes.
#[derive(Deserialize)]
pub struct NewKey {
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
    /// Seconds; none: the key does not expire.
    expires_in: Option<u64>,
}

/// Makes an API key acting for the caller, with at most the caller's scopes. A fresh login is
/// required (a refreshed token cannot mint a long-lived credential); the key is in this
/// answer only.
#[protect(access, fresh, route = "POST /api-keys")]
pub async fn create_api_key(
    State(auth): State<Auth>,
    claims: Claims,
    Json(body): Json<NewKey>,
) -> Result<Response, AuthError> {
    let beyond: Vec<&String> = body
        .scopes
        .iter()
        .filter(|s| !claims.has_scope(s))
        .collect();
    if !beyond.is_empty() {
        return Err(AuthError::InsufficientScope {
            required: beyond.into_iter().cloned().collect(),
            all: true,
        });
    }
    let mut key = auth
        .api_keys()
        .create(&claims.sub)
        .name(body.name)
        .scopes(body.scopes);
    if let Some(secs) = body.expires_in {
        key = key.expires_in(Duration::from_secs(secs));
    }
    let issued = match key.issue().await {
        Ok(issued) => issued,
        Err(authx::api_key::ApiKeyError::Invalid(why)) => {
            let body = authx::ErrorBody::new(why, "InvalidApiKeySettingsError");
            return Ok((StatusCode::BAD_REQUEST, Json(body)).into_response());
        }
        Err(e) => return Err(AuthError::Internal(e.into())),
    };
    let r = &issued.record;
    let body = json!({ "id": r.id, "key": issued.key(), "name": r.name, "scopes": r.scopes });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The caller's keys (never a key: only its id and what it is).
#[protect(access, route = "GET /api-keys")]
pub async fn list_api_keys(
    State(auth): State<Auth>,
    claims: Claims,
) -> Result<Json<Value>, AuthError> {
    let keys = auth
        .api_keys()
        .list(Some(&claims.sub))
        .await
        .map_err(|e| AuthError::Internal(e.into()))?;
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "id": k.id, "name": k.name, "scopes": k.scopes, "created_at": k.created_at,
                "expires_at": k.expires_at, "last_used_at": k.last_used_at,
                "revoked": k.revoked_at.is_some(),
            })
        })
        .collect();
    Ok(Json(json!({ "keys": keys })))
}

/// Revokes one of the caller's keys (another user's is not found).
#[protect(access, route = "DELETE /api-keys/{id}")]
pub async fn revoke_api_key(
    State(auth): State<Auth>,
    claims: Claims,
    Path(id): Path<String>,
) -> Result<StatusCode, AuthError> {
    let keys = auth.api_keys();
    let internal = |e: authx::api_key::ApiKeyError| AuthError::Internal(e.into());
    match keys.get(&id).await.map_err(internal)? {
        Some(key) if key.owner == claims.sub => {
            keys.revoke(&id).await.map_err(internal)?;
            Ok(StatusCode::NO_CONTENT)
        }
        _ => Ok(StatusCode::NOT_FOUND),
    }
}

/// A report for people (a bearer token) and scripts (an API key) alike, 60 a minute per key.
#[protect(
    credentials = "bearer | api_key",
    scopes = "users:read",
    rate = "60/60s",
    rate_key = "api_key",
    route = "GET /reports/users"
)]
pub async fn users_report(principal: Principal) -> Json<Value> {
    let via = match &principal.credential {
        Credential::ApiKey { name, .. } => json!({ "api_key": name }),
        _ => json!("bearer"),
    };
    Json(json!({ "for": principal.subject(), "via": via }))
}
