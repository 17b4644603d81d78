//! The vault: encrypted opaque tokens carrying a struct (fastapi-authix's `Vault`).
//!
//! ```sh
//! cargo run --example vault --features vault   # http://127.0.0.1:3000 (PORT to change)
//!
//! curl -i -c jar -X POST localhost:3000/vault/login -H 'content-type: application/json' \
//!      -d '{"username": "ada"}'                                  # sets the vault_token cookie
//! curl -b jar localhost:3000/vault/me                            # {"username":"ada","role":"user"}
//! curl -b jar -c jar -X POST localhost:3000/vault/logout         # disables the token, clears the cookie
//! ```
//!
//! `AUTHX_VAULT_KEY` holds the Fernet key (without it every token dies with the process),
//! `AUTHX_VAULT_TTL` the lifetime in seconds. The token also works in the `X-Vault-Token`
//! header. The cookie goes without `Secure` (the demo serves plain HTTP on localhost) unless
//! `AUTHX_COOKIE_SECURE=true`.

use authx::vault::{Vault, VaultConfig, VaultPayload};
use authx::{AuthError, ErrorBody, SetCookies};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What the vault token carries: the client holds it, encrypted, and cannot read or change it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    /// Login name.
    pub username: String,
    /// `admin` for the user named `admin`, `user` for everyone else.
    pub role: String,
}

/// The body of `POST /vault/login`.
#[derive(Debug, Deserialize)]
pub struct VaultLogin {
    /// Login name.
    pub username: String,
}

/// The whole service.
pub fn app(vault: Vault) -> Router {
    Router::new()
        .route("/vault/login", post(login))
        .route("/vault/me", get(me))
        .route("/vault/logout", post(logout))
        .with_state(vault)
}

/// Seals the profile into the vault cookie. A demo: no password (check one for real).
async fn login(
    State(vault): State<Vault>,
    Json(body): Json<VaultLogin>,
) -> Result<Response, AuthError> {
    let username = body.username.trim();
    if username.is_empty() {
        let body = ErrorBody::new("username must not be empty", "ValidationError");
        return Ok((StatusCode::BAD_REQUEST, Json(body)).into_response());
    }
    let role = if username == "admin" { "admin" } else { "user" };
    let profile = Profile {
        username: username.to_owned(),
        role: role.to_owned(),
    };
    let cookies = vault.set(&profile)?;
    Ok((
        cookies,
        Json(json!({ "message": "Logged in", "profile": profile })),
    )
        .into_response())
}

/// The payload of the request's vault token (cookie, or `X-Vault-Token`).
async fn me(profile: VaultPayload<Profile>) -> Json<Profile> {
    Json(profile.into_inner())
}

/// Disables the token (refused from now on, until it would have expired) and clears the cookie.
async fn logout(
    State(vault): State<Vault>,
    profile: VaultPayload<Profile>,
) -> Result<(SetCookies, Json<Value>), AuthError> {
    vault.disable(profile.token()).await?;
    Ok((vault.remove(), Json(json!({ "message": "Logged out" }))))
}

/// `AUTHX_VAULT_*` over the defaults, with two demo conveniences: the header location on too,
/// and no `Secure` cookie unless `AUTHX_COOKIE_SECURE=true`.
fn config_from_env() -> Result<VaultConfig, authx::ConfigError> {
    let mut config = VaultConfig::from_env()?;
    config.use_header = true;
    config.cookie.secure = std::env::var("AUTHX_COOKIE_SECURE").is_ok_and(|v| v == "true");
    if config.key.is_none() {
        eprintln!(
            "\n  WARNING: AUTHX_VAULT_KEY is not set. Using a random key for this run:\n  \
             every vault token dies when the process stops. Make a key with\n  \
             `python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'`.\n"
        );
    }
    Ok(config)
}

#[tokio::main]
#[allow(dead_code)] // the integration tests include this file as a module
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vault = Vault::new(config_from_env()?)?;
    authx_examples::demo::serve(app(vault)).await?;
    Ok(())
}
