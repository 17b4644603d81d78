use authx::{Auth, AuthConfig, AuthError, Claims, protect, public, routes};
use axum::extract::State;
use axum::{Json, Router};
use serde_json::{Value, json};

/// Logs anyone in as `ada` (check a password here): a fresh token pair.
#[public(route = "POST /login")]
async fn login(State(auth): State<Auth>) -> Result<Json<Value>, AuthError> {
    let pair = auth
        .tokens()
        .pair("ada")
        .fresh(true)
        .scopes(["notes:read"])
        .issue()?;
    Ok(Json(
        json!({ "access_token": pair.access_token, "refresh_token": pair.refresh_token }),
    ))
}

/// Any access token granting `notes:read` (or `notes:*`, or `*`).
#[protect(access, scopes = "notes:read", route = "GET /notes")]
async fn notes(claims: Claims) -> Json<Value> {
    Json(json!({ "owner": claims.sub, "notes": ["buy milk"] }))
}

/// A fresh token (from a login, not a refresh) granting every `notes:` scope.
#[protect(access, fresh, scopes = "notes:*", route = "DELETE /notes")]
async fn clear(claims: Claims) -> String {
    format!("cleared {}'s notes", claims.sub)
}

pub fn app(auth: Auth) -> Router {
    routes![login, notes, clear].with_state(auth)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("AUTHX_SECRET_KEY").unwrap_or_else(|_| "change-me-".repeat(4));
    let auth = Auth::new(AuthConfig::builder().secret_key(secret).build())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app(auth)).await?;
    Ok(())
}
