//! Extractors over real HTTP: optional auth, typed extra data, the JSON-body location,
//! verification once per request, and stores that fail (closed by default, open on request).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use authx::layer::JsonTokenLayer;
use authx::{Auth, AuthConfig, Claims, FreshClaims, RevocationStore, StoreError, TokenLocation};
use authx_tests::{TestServer, assert_error, client, status_json};
use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

const SECRET: &str = "extractor-test-secret-0123456789abcdef";

fn config() -> AuthConfig {
    AuthConfig::builder().secret_key(SECRET).build()
}

#[tokio::test]
async fn optional_claims_none_without_token_error_with_bad_token() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route(
            "/maybe",
            get(|c: Option<Claims>| async move {
                c.map(|c| c.sub).unwrap_or_else(|| "anonymous".into())
            }),
        )
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let text = client()
        .get(s.url("/maybe"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "anonymous");
    let token = auth.tokens().create_access("u1").unwrap();
    let text = client()
        .get(s.url("/maybe"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "u1");
    let (status, body) = status_json(
        client()
            .get(s.url("/maybe"))
            .bearer_auth("garbage")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "JWTDecodeError");
}

#[derive(Debug, Deserialize)]
struct Profile {
    email: String,
    tenant: u32,
}

#[tokio::test]
async fn typed_extra_data() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route(
            "/tenant",
            get(
                |c: Claims<Profile>| async move { format!("{} {}", c.extra.email, c.extra.tenant) },
            ),
        )
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let token = auth
        .tokens()
        .access("u")
        .extra(json!({"email": "a@b.c", "tenant": 7}))
        .issue()
        .unwrap();
    let text = client()
        .get(s.url("/tenant"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "a@b.c 7");
    // A valid token whose extra data lacks the fields the handler expects is refused, not a 500.
    let plain = auth.tokens().create_access("u").unwrap();
    let (status, body) = status_json(
        client()
            .get(s.url("/tenant"))
            .bearer_auth(&plain)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "JWTDecodeError");
}

#[tokio::test]
async fn json_body_location_leaves_the_body_to_the_handler() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .token_locations([TokenLocation::Headers, TokenLocation::Json])
            .build(),
    )
    .unwrap();
    let app = Router::new()
        .route(
            "/echo",
            post(
                |c: Claims, axum::Json(body): axum::Json<serde_json::Value>| async move {
                    format!("{} {}", c.sub, body["note"])
                },
            ),
        )
        .route(
            "/refresh",
            post(|c: authx::RefreshClaims| async move { c.sub.clone() }),
        )
        .layer(JsonTokenLayer::new(auth.clone()).limit(4096))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let token = auth.tokens().create_access("json-user").unwrap();
    let res = client()
        .post(s.url("/echo"))
        .json(&json!({"access_token": token, "note": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "json-user \"hi\"");
    let refresh = auth.tokens().create_refresh("json-user").unwrap();
    let res = client()
        .post(s.url("/refresh"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, body) = status_json(
        client()
            .post(s.url("/echo"))
            .json(&json!({"note": "no token"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "MissingTokenError");
    let big = json!({"access_token": token, "pad": "x".repeat(8192)});
    let (status, body) = status_json(
        client()
            .post(s.url("/echo"))
            .json(&big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 413, "PayloadTooLargeError");
}

/// Counts calls and can be made to fail or hang.
#[derive(Default)]
struct ScriptedStore {
    checks: AtomicUsize,
    mode: AtomicUsize, // 0 ok, 1 error, 2 hang
}

#[async_trait::async_trait]
impl RevocationStore for ScriptedStore {
    async fn revoke(&self, _jti: &str, _exp: i64) -> Result<(), StoreError> {
        Ok(())
    }
    /// One check per call, whatever the keys (a token and its family).
    async fn any_revoked(&self, _keys: &[&str]) -> Result<bool, StoreError> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        match self.mode.load(Ordering::SeqCst) {
            0 => Ok(false),
            1 => Err(StoreError::unavailable("connection refused")),
            _ => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(false)
            }
        }
    }
}

fn app_with(store: Arc<ScriptedStore>, fail_open: bool) -> (Router, Auth) {
    let auth = Auth::builder(
        AuthConfig::builder()
            .secret_key(SECRET)
            .store_timeout(Duration::from_millis(100))
            .store_fail_open(fail_open)
            .build(),
    )
    .shared_revocations_only(store)
    .build()
    .unwrap();
    let app = Router::new()
        .route(
            "/many",
            get(|a: Claims, b: FreshClaims, c: Option<Claims>| async move {
                format!("{} {} {}", a.sub, b.sub, c.is_some())
            }),
        )
        .with_state(auth.clone());
    (app, auth)
}

#[tokio::test]
async fn a_token_is_verified_once_per_request() {
    let store = Arc::new(ScriptedStore::default());
    let (app, auth) = app_with(store.clone(), false);
    let s = TestServer::start(app).await;
    let token = auth.tokens().access("u").fresh(true).issue().unwrap();
    let text = client()
        .get(s.url("/many"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "u u true");
    assert_eq!(
        store.checks.load(Ordering::SeqCst),
        1,
        "three extractors, one verification"
    );
}

#[tokio::test]
async fn store_outage_fails_closed_fast_and_recovers() {
    let store = Arc::new(ScriptedStore::default());
    let (app, auth) = app_with(store.clone(), false);
    let s = TestServer::start(app).await;
    let token = auth.tokens().access("u").fresh(true).issue().unwrap();
    for mode in [1, 2] {
        store.mode.store(mode, Ordering::SeqCst);
        // store_timeout bounds the wait (100 ms); the client's 30 s limit only catches a hang.
        let res = client()
            .get(s.url("/many"))
            .bearer_auth(&token)
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let (status, body) =
            status_json(res.expect("a dead store must not hang the request")).await;
        assert_error(status, &body, 503, "StoreUnavailableError");
        assert!(
            !body.to_string().contains("connection refused"),
            "no internal detail in the body"
        );
    }
    store.mode.store(0, Ordering::SeqCst);
    assert_eq!(
        client()
            .get(s.url("/many"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn store_outage_fails_open_when_asked() {
    let store = Arc::new(ScriptedStore::default());
    store.mode.store(1, Ordering::SeqCst);
    let (app, auth) = app_with(store, true);
    let s = TestServer::start(app).await;
    let token = auth.tokens().access("u").fresh(true).issue().unwrap();
    assert_eq!(
        client()
            .get(s.url("/many"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
