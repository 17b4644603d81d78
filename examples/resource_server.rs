//! authx as an OAuth 2 resource server and token service, every standard on one service:
//!
//! ```sh
//! cargo run --example resource_server     # http://127.0.0.1:3000 (PORT to change)
//! ```
//!
//! - ES256 keys from `AUTHX_KEYS_FILE` (default `resource-server-keys.json`), generated on
//!   first start; `authx keys rotate --file ...` rotates them, picked up within 60 s;
//! - `POST /login` (demo users `user1/password1`, `admin/admin`; add `"otp": "000000"` for an
//!   MFA login, `acr: mfa`), DPoP-bound when the request carries a `DPoP` proof;
//!   `POST /refresh`;
//! - `GET /protected` (bearer or DPoP), `GET /dpop/protected` (`#[protect(dpop)]`),
//!   `GET /stepup` (`#[protect(max_age = "5m", acr = "mfa")]`);
//! - `GET /.well-known/jwks.json` (RFC 7517), `GET /.well-known/oauth-protected-resource`
//!   (RFC 9728), `POST /oauth/introspect` (RFC 7662) and `POST /oauth/revoke` (RFC 7009) for
//!   the client `demo-client` ([`DEMO_CLIENT`], [`DEMO_SECRET`]), to which `POST /login`
//!   issues its tokens (`client_id`): a client introspects and revokes only its own tokens.

use std::time::Duration;

use authx::token::{KeyFile, SigningKeyEntry};
use authx::{
    Auth, AuthConfig, AuthError, Claims, RefreshClaims, TokenPair, oauth, protect, public, routes,
};
use authx_examples::demo::{LoginBody, Users, bad_credentials};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use http::request::Parts;
use serde::Deserialize;
use serde_json::{Value, json};

/// The demo OAuth client: `POST /login` issues its tokens to it, and it may introspect and
/// revoke them.
pub const DEMO_CLIENT: &str = "demo-client";
/// The demo client's secret (client secrets are at least 32 bytes).
pub const DEMO_SECRET: &str = "demo-secret-0123456789abcdef0123";

/// The router state.
#[derive(Clone)]
pub struct AppState {
    auth: Auth,
    users: Users,
}

impl axum::extract::FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

/// The service: its routes, the well-known documents and the token endpoints.
pub fn app(auth: Auth, users: Users) -> Router {
    routes![login, refresh, protected, dpop_protected, stepup]
        .merge(oauth::jwks_router())
        .merge(oauth::metadata_router())
        .merge(oauth::router())
        .with_state(AppState { auth, users })
}

/// The configuration: `AUTHX_*` over the example's defaults (its key file, its resource URL on
/// `port`, the demo OAuth client).
pub fn config(keys_file: &str, port: u16) -> Result<AuthConfig, authx::ConfigError> {
    let mut config = AuthConfig::from_env()?;
    config.keys_file = Some(keys_file.to_owned());
    if config.keys_reload_interval.is_none() {
        config.keys_reload_interval = Some(Duration::from_secs(60));
    }
    if config.oauth.resource.is_none() {
        config.oauth.resource = Some(format!("http://127.0.0.1:{port}"));
    }
    if config.oauth.clients.is_empty() {
        config.oauth.clients = vec![authx::config::OAuthClient::new(DEMO_CLIENT, DEMO_SECRET)];
    }
    Ok(config)
}

/// Loads the key file at `path`, or creates it with fresh ES256 current and next keys.
pub fn ensure_keys(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    if std::path::Path::new(path).exists() {
        KeyFile::load(path)?;
        return Ok(());
    }
    let file = KeyFile::new("ES256", es256_key()?, es256_key()?);
    file.save(path)?;
    println!(
        "created {path} (current {}, next {})",
        file.current.kid, file.next.kid
    );
    Ok(())
}

fn es256_key() -> Result<SigningKeyEntry, Box<dyn std::error::Error>> {
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let secret = p256::SecretKey::random(&mut rand_core::OsRng);
    let private = secret.to_pkcs8_pem(LineEnding::LF)?;
    let public = secret.public_key().to_public_key_pem(LineEnding::LF)?;
    let mut kid = [0u8; 9];
    getrandom::fill(&mut kid)?;
    let kid: String = kid.iter().map(|b| format!("{b:02x}")).collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    Ok(SigningKeyEntry::new(
        kid,
        private.as_str(),
        public,
        i64::try_from(now)?,
    ))
}

/// `POST /login`: the demo users' password, and an optional one-time code (`"000000"` in
/// this demo) that makes the login multi-factor.
#[derive(Debug, Deserialize)]
struct Login {
    #[serde(flatten)]
    credentials: LoginBody,
    #[serde(default)]
    otp: Option<String>,
}

/// Logs in: a fresh pair with the user's scopes, `acr`/`amr` saying how, bound to the client's
/// DPoP key when the request carries a proof.
#[public(route = "POST /login", rate = "10/60s", rate_key = ip)]
async fn login(
    State(s): State<AppState>,
    parts: Parts,
    Json(body): Json<Login>,
) -> Result<Response, AuthError> {
    let Some(user) = s.users.login(&body.credentials) else {
        return Ok(bad_credentials());
    };
    let mfa = body.otp.as_deref() == Some("000000");
    let mut pair = s
        .auth
        .tokens()
        .pair(&user.username)
        .client_id(DEMO_CLIENT)
        .fresh(true)
        .scopes(&user.scopes)
        .acr(if mfa { "mfa" } else { "pwd" })
        .amr(if mfa { vec!["pwd", "otp"] } else { vec!["pwd"] });
    if let Some(proof) = s.auth.dpop_proof(&parts).await? {
        pair = pair.dpop_jkt(&proof.jkt);
    }
    let pair = pair.issue()?;
    let token_type = if s.auth.verify(&pair.access_token)?.dpop_jkt().is_some() {
        "DPoP"
    } else {
        "Bearer"
    };
    Ok(Json(json!({
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": token_type,
    }))
    .into_response())
}

/// A refresh token in (bearer, or DPoP with a proof when bound), a new pair out.
#[protect(refresh, route = "POST /refresh")]
async fn refresh(
    State(s): State<AppState>,
    claims: RefreshClaims,
) -> Result<Json<TokenPair>, AuthError> {
    Ok(Json(s.auth.sessions().rotate(&claims).await?))
}

/// Any valid access token: bearer, or DPoP-bound with its proof.
#[protect(route = "GET /protected")]
async fn protected(claims: Claims) -> Json<Value> {
    Json(json!({ "sub": claims.sub, "dpop": claims.dpop_jkt().is_some() }))
}

/// DPoP-bound tokens only.
#[protect(dpop, route = "GET /dpop/protected")]
async fn dpop_protected(claims: Claims) -> Json<Value> {
    Json(json!({ "sub": claims.sub, "jkt": claims.dpop_jkt() }))
}

/// A multi-factor login of the last five minutes; others get a step-up challenge.
#[protect(max_age = "5m", acr = "mfa", route = "GET /stepup")]
async fn stepup(claims: Claims) -> Json<Value> {
    Json(json!({ "sub": claims.sub, "acr": claims.acr(), "auth_time": claims.auth_time }))
}

#[tokio::main]
#[allow(dead_code)] // the integration tests include this file as a module
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    authx_examples::demo::init_tracing("info,authx=debug");
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let keys_file =
        std::env::var("AUTHX_KEYS_FILE").unwrap_or_else(|_| "resource-server-keys.json".into());
    ensure_keys(&keys_file)?;
    let auth = Auth::connect(config(&keys_file, port)?).await?;
    authx_examples::demo::serve(app(auth, Users::demo())).await?;
    Ok(())
}
