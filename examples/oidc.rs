//! Access tokens from an identity provider (OpenID Connect), next to this service's own.
//!
//! ```sh
//! OIDC_ISSUER=https://sso.example.com/realms/shop OIDC_AUDIENCE=orders-api \
//!     cargo run --example oidc --features jwks   # http://127.0.0.1:3000 (PORT to change)
//! ```
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `OIDC_ISSUER` | the provider's issuer (`iss`); keys come from its discovery document | `http://localhost:8080/realms/demo` (a local Keycloak) |
//! | `OIDC_AUDIENCE` | the audience its tokens must name (comma-separated for several) | `orders-api` |
//! | `OIDC_JWKS_URL` | the JWKS address, to skip discovery | none |
//! | `OIDC_ROLE_CLAIM` | where roles are read (`realm_access.roles`, `roles`, `groups`...) | `realm_access.roles` |
//!
//! `GET /orders` needs the scope `orders:read`: from the token's `scope` or `scp` claim, or
//! from the role `orders-admin` (mapped to `orders:*`). `GET /health` shows how many keys each
//! provider published. The service starts without a reachable provider: its tokens then get
//! `503 KeysUnavailableError` until the keys can be fetched, and anything else a clean `401`.
//! With a provider, get a token (Keycloak: `POST {issuer}/protocol/openid-connect/token` with a
//! client whose audience mapper adds `orders-api`) and call
//! `curl -H "Authorization: Bearer $TOKEN" localhost:3000/orders`.

use authx::jwks::IssuerConfig;
use authx::{Auth, Claims, protect, public, routes};
use authx_examples::demo;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// Orders of the caller, whoever issued the token.
#[protect(scopes = "orders:read", route = "GET /orders")]
async fn orders(claims: Claims) -> Json<Value> {
    Json(json!({
        "subject": claims.sub,
        "issuer": claims.iss,
        "scopes": claims.scopes(),
        "login_type": claims.extra.get("login_type"),
        "orders": [],
    }))
}

/// Which providers are configured and how many keys each has published.
#[public(route = "GET /health")]
async fn health(State(auth): State<Auth>) -> Json<Value> {
    let issuers: Vec<Value> = auth
        .keys()
        .issuers()
        .map(|i| json!({ "issuer": i.config().issuer, "keys": i.key_count() }))
        .collect();
    Json(json!({ "status": "ok", "issuers": issuers }))
}

fn issuer_from_env() -> IssuerConfig {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let mut issuer = IssuerConfig::builder(var("OIDC_ISSUER", "http://localhost:8080/realms/demo"))
        .role_claim(var("OIDC_ROLE_CLAIM", "realm_access.roles"))
        .role_scope("orders-admin", "orders:*")
        .login_type_claim("idp");
    for aud in var("OIDC_AUDIENCE", "orders-api").split(',') {
        issuer = issuer.audience(aud.trim());
    }
    if let Ok(url) = std::env::var("OIDC_JWKS_URL") {
        issuer = issuer.jwks_url(url);
    }
    issuer.build()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    authx_examples::demo::init_tracing("info,authx=debug");
    let issuer = issuer_from_env();
    println!(
        "accepting tokens from {} (audience {})",
        issuer.issuer,
        issuer.audience.join(", ")
    );
    let auth = Auth::builder(demo::config_from_env()?)
        .issuer(issuer)
        .build()?;
    demo::serve(routes![orders, health].with_state(auth)).await?;
    Ok(())
}
