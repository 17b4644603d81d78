//! The variants' routers: one route, `GET /`, answering the same 75-byte JSON body
//! (`{"email":"admin@example.com","message":"Access granted","username":"admin"}` for the
//! subject `admin`, the quickstart's `GET /protected` answer for its admin), so that only the
//! auth in front of the handler differs.

use std::sync::Arc;

use authx::{Auth, Claims, Stores, protect};
use authx_bench::variants::{self, AUDIENCE, Baseline, BaselineClaims, PeerClaims, SECRET};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The email in every answer (the quickstart's admin's).
const EMAIL: &str = "admin@example.com";

/// How many revocations the `distinct` variant's memory store holds before it serves.
pub const REVOKED: usize = 1_000_000;

fn answer(sub: &str) -> Json<Value> {
    Json(json!({ "message": "Access granted", "username": sub, "email": EMAIL }))
}

async fn bare_handler() -> Json<Value> {
    answer("admin")
}

async fn handwritten_handler(claims: BaselineClaims) -> Json<Value> {
    answer(&claims.sub)
}

async fn peer_handler(user: axum_jwt_auth::Claims<PeerClaims>) -> Json<Value> {
    answer(&user.claims.sub)
}

#[protect(access)]
async fn access_handler(claims: Claims) -> Json<Value> {
    answer(&claims.sub)
}

#[protect(access, scopes = "admin:*")]
async fn scopes_handler(claims: Claims) -> Json<Value> {
    answer(&claims.sub)
}

fn access(auth: Auth) -> Router {
    Router::new()
        .route("/", get(access_handler))
        .with_state(auth)
}

fn scopes(auth: Auth) -> Router {
    Router::new()
        .route("/", get(scopes_handler))
        .with_state(auth)
}

fn peer() -> Router {
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
    let decoder: axum_jwt_auth::Decoder<PeerClaims> = Arc::new(decoder);
    Router::new()
        .route("/", get(peer_handler))
        .with_state(decoder)
}

/// Connects to `url`, or says why not.
async fn store(url: &str) -> Result<Stores, String> {
    let stores = authx::store::connect(url)
        .await
        .map_err(|e| format!("store unreachable at {url}: {e}"))?;
    stores
        .revocation
        .is_revoked("probe")
        .await
        .map_err(|e| format!("store at {url} does not answer: {e}"))?;
    Ok(stores)
}

/// Installs the Prometheus recorder (as the quickstart does), with its upkeep thread: without
/// it nothing drains the histograms between scrapes.
#[cfg(feature = "metrics")]
fn install_recorder() {
    let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .expect("the only metrics recorder of this process");
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(5));
            handle.run_upkeep();
        }
    });
}

/// Memory stores holding [`REVOKED`] revoked token ids (none of them a token the load sends).
async fn revocation_list() -> Result<Stores, String> {
    let stores = Stores::memory();
    let expires = authx_bench::now() + 24 * 3600;
    for i in 0..REVOKED {
        stores
            .revocation
            .revoke(&format!("bench-revoked-{i:07}"), expires)
            .await
            .map_err(|e| format!("pre-filling the revocation list at {i}: {e}"))?;
    }
    Ok(stores)
}

/// The variants this binary serves: the harness's, but the quickstart (its own example
/// binary).
pub const NAMES: &[&str] = {
    let all = authx_bench::variants::HARNESS_VARIANTS;
    all.split_at(all.len() - 1).0
};

/// The router of variant `name`, its stores connected and filled.
pub async fn app(name: &str) -> Result<Router, String> {
    Ok(match name {
        "bare" => Router::new().route("/", get(bare_handler)),
        "handwritten" => Router::new()
            .route("/", get(handwritten_handler))
            .with_state(Baseline::default()),
        "protect" => access(variants::auth(Stores::memory())),
        "uncached" => access(variants::auth_uncached()),
        "scopes" => scopes(variants::auth(Stores::memory())),
        #[cfg(feature = "metrics")]
        "metrics" => {
            install_recorder();
            access(variants::auth(Stores::memory()))
        }
        #[cfg(not(feature = "metrics"))]
        "metrics" => {
            return Err(
                "built without the `metrics` feature: `bash bench/harness` builds \
                        bench-server-metrics for this variant"
                    .into(),
            );
        }
        "peer" => peer(),
        "redis" => scopes(variants::auth(store(&authx_bench::redis_url()).await?)),
        "redis-near" => scopes(variants::auth_near_cached(
            store(&authx_bench::redis_url()).await?,
        )),
        "postgres-near" => scopes(variants::auth_near_cached(
            store(&authx_bench::postgres_url()).await?,
        )),
        "es256" => access(variants::es256_auth()),
        "distinct" => access(variants::auth(revocation_list().await?)),
        other => return Err(format!("unknown variant {other:?}; one of {NAMES:?}")),
    })
}
