//! The routes compared: the same handler (answer the token's subject) behind
//! (a) a hand-written axum extractor over jsonwebtoken HS256, (b) `#[protect(access)]`,
//! (c) `#[protect(access, scopes = "admin:*")]` with the memory revocation store, (d) (c) with
//! the Redis revocation store, (e) (b) on ES256 with the verified-signature cache and a repeated
//! token, (f) and (g) (c) on Redis and on PostgreSQL with the revocation near-cache, (p)
//! axum-jwt-auth (the fastest axum 0.8 JWT crate measured) on the same HS256 token,
//! and (z) bare axum with no auth at all, the upper bound.

use authx::{Auth, AuthConfig, Claims, Stores, protect};
use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::get;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// The HMAC secret every variant uses.
pub const SECRET: &str = "bench-secret-0123456789abcdef0123456789";

/// The audience every variant's token is for and every variant checks (axum-jwt-auth insists
/// on one).
pub const AUDIENCE: &str = "bench";

/// An engine with the given stores.
pub fn auth(stores: Stores) -> Auth {
    Auth::builder(
        AuthConfig::builder()
            .secret_key(SECRET)
            .audience(AUDIENCE)
            .api_key_pepper(SECRET)
            .build(),
    )
    .stores(stores)
    .build()
    .expect("bench config")
}

/// An engine with memory stores and the verified-token cache off: every request verifies its
/// token in full (base64, signature, claims JSON), as one seen for the first time.
pub fn auth_uncached() -> Auth {
    Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .audience(AUDIENCE)
            .verify_cache(authx::config::VerifyCacheMode::Off)
            .build(),
    )
    .expect("bench config")
}

/// An engine with the given stores (Redis or PostgreSQL) and the revocation near-cache on.
pub fn auth_near_cached(stores: Stores) -> Auth {
    Auth::builder(
        AuthConfig::builder()
            .secret_key(SECRET)
            .audience(AUDIENCE)
            .near_cache(true)
            .build(),
    )
    .stores(stores)
    .build()
    .expect("bench config")
}

const EC_PRIVATE: &str = include_str!("../../tests/fixtures/python_authx/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/python_authx/ec_public.pem");

/// An ES256 engine (memory stores, the default verified-signature cache).
pub fn es256_auth() -> Auth {
    Auth::new(
        AuthConfig::builder()
            .algorithm(authx::Algorithm::ES256)
            .private_key(EC_PRIVATE)
            .public_key(EC_PUBLIC)
            .audience(AUDIENCE)
            .build(),
    )
    .expect("bench ES256 config")
}

/// A token every variant accepts (HS256, scope `admin:*`).
pub fn token(auth: &Auth) -> String {
    auth.tokens()
        .access("bench-user")
        .scopes(["admin:*"])
        .issue()
        .expect("token")
}

// ---------------------------------------------------------------- (a) baseline

/// State of the hand-written variant: the key and validation, built once.
#[derive(Clone)]
pub struct Baseline {
    key: DecodingKey,
    validation: Validation,
}

impl Default for Baseline {
    fn default() -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.required_spec_claims.insert("exp".into());
        validation.set_audience(&[AUDIENCE]);
        Baseline {
            key: DecodingKey::from_secret(SECRET.as_bytes()),
            validation,
        }
    }
}

/// The claims the hand-written extractor reads.
#[derive(Deserialize)]
pub struct BaselineClaims {
    /// Subject.
    pub sub: String,
}

impl<S> FromRequestParts<S> for BaselineClaims
where
    Baseline: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, StatusCode> {
        let b = Baseline::from_ref(state);
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(StatusCode::UNAUTHORIZED)?;
        jsonwebtoken::decode::<BaselineClaims>(token, &b.key, &b.validation)
            .map(|d| d.claims)
            .map_err(|_| StatusCode::UNAUTHORIZED)
    }
}

async fn baseline_handler(claims: BaselineClaims) -> String {
    claims.sub
}

/// (a) hand-written axum + jsonwebtoken.
pub fn baseline() -> Router {
    Router::new()
        .route("/", get(baseline_handler))
        .with_state(Baseline::default())
}

// ---------------------------------------------------------------- (b), (c), (d)

#[protect(access)]
async fn protect_access_handler(claims: Claims) -> String {
    claims.sub
}

#[protect(access, scopes = "admin:*")]
async fn protect_scopes_handler(claims: Claims) -> String {
    claims.sub
}

/// (b) `#[protect(access)]`.
pub fn protect_access(auth: Auth) -> Router {
    Router::new()
        .route("/", get(protect_access_handler))
        .with_state(auth)
}

/// (c) and (d) `#[protect(access, scopes = "admin:*")]`; the stores of `auth` decide which.
pub fn protect_scopes(auth: Auth) -> Router {
    Router::new()
        .route("/", get(protect_scopes_handler))
        .with_state(auth)
}

#[protect(api_key, scopes = "admin:*")]
async fn protect_api_key_handler(claims: Claims) -> String {
    claims.sub
}

/// `#[protect(api_key, scopes = "admin:*")]`: an API key instead of a token.
pub fn protect_api_key(auth: Auth) -> Router {
    Router::new()
        .route("/", get(protect_api_key_handler))
        .with_state(auth)
}

/// An API key every `protect_api_key` variant of `auth` accepts (scope `admin:*`).
pub async fn api_key(auth: &Auth) -> String {
    auth.api_keys()
        .create("bench-user")
        .scopes(["admin:*"])
        .issue()
        .await
        .expect("api key")
        .key()
        .to_owned()
}

// ---------------------------------------------------------------- (p), (z)

/// The claims axum-jwt-auth reads.
#[derive(Deserialize)]
pub struct PeerClaims {
    /// Subject.
    pub sub: String,
}

async fn peer_handler(user: axum_jwt_auth::Claims<PeerClaims>) -> String {
    user.claims.sub
}

/// (p) axum-jwt-auth 0.7: its `Claims` extractor over a `LocalDecoder` with the same secret and
/// the same checks as (a).
pub fn peer() -> Router {
    let mut validation = jsonwebtoken10::Validation::new(jsonwebtoken10::Algorithm::HS256);
    validation.set_required_spec_claims(&["exp"]);
    validation.set_audience(&[AUDIENCE]);
    let decoder = axum_jwt_auth::LocalDecoder::builder()
        .keys(vec![jsonwebtoken10::DecodingKey::from_secret(
            SECRET.as_bytes(),
        )])
        .validation(validation)
        .build()
        .expect("peer decoder");
    let decoder: axum_jwt_auth::Decoder<PeerClaims> = std::sync::Arc::new(decoder);
    Router::new()
        .route("/", get(peer_handler))
        .with_state(decoder)
}

/// (z) bare axum: the same answer with no auth (the upper bound of any variant).
pub fn bare() -> Router {
    Router::new().route("/", get(|| async { "bench-user" }))
}

/// Harness v2's variants, in its table's order: every one `bench-server` serves, then the
/// quickstart (its own example binary).
pub const HARNESS_VARIANTS: &[&str] = &[
    "bare",
    "handwritten",
    "protect",
    "uncached",
    "scopes",
    "metrics",
    "peer",
    "redis",
    "redis-near",
    "postgres-near",
    "es256",
    "distinct",
    "quickstart",
];
