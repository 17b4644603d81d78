//! One conformance suite, run against every store backend: memory, SQLite, PostgreSQL, Redis.
//! Then restarts (nothing revoked comes back), two instances sharing a store, and outages.
//!
//! PostgreSQL and Redis come from `AUTHX_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and `AUTHX_TEST_REDIS_URL` (default
//! `redis://127.0.0.1:6379`). When they are unreachable these tests FAIL, naming the URL: they
//! never skip.

use std::time::Duration;

use authx::store::{SqlStore, connect};
use authx::{Auth, AuthConfig, AuthError, SessionMeta, Stores};
use authx_tests::{TestServer, assert_error, client, status_json};
use axum::Router;
use axum::routing::get;

fn unique(what: &str) -> String {
    format!("{what}-{}", uuid::Uuid::new_v4())
}

fn postgres_url() -> String {
    std::env::var("AUTHX_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn redis_url() -> String {
    std::env::var("AUTHX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join("authx-tests");
    std::fs::create_dir_all(&dir).unwrap();
    format!(
        "sqlite://{}",
        dir.join(format!("{}.db", uuid::Uuid::new_v4())).display()
    )
}

/// Connects and proves the server answers; panics with a clear message when it does not.
async fn open(url: &str) -> Stores {
    let stores = connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot open store {url}: {e}"));
    let probe = tokio::time::timeout(
        Duration::from_secs(10),
        stores.revocation.is_revoked("authx-probe"),
    )
    .await;
    match probe {
        Ok(Ok(_)) => stores,
        Ok(Err(e)) => panic!(
            "store at {url} is unreachable: {e}. Start it (see .ci/run) or point the AUTHX_TEST_* variable at one."
        ),
        Err(_) => panic!("store at {url} did not answer within 10 s. Start it (see .ci/run)."),
    }
}

fn config(url: &str) -> AuthConfig {
    AuthConfig::builder()
        .secret_key("stores-test-secret-0123456789abcdef")
        .store_url(url)
        // Sharing and durability, not speed: a loaded CI machine may take longer than the
        // default 250 ms bound (the outage tests below use closed ports, refused at once).
        .store_timeout(Duration::from_secs(5))
        .build()
}

// ---------------------------------------------------------------- conformance

/// The exported suite (`authx::store::testing`, what a third-party store must pass), then
/// what only SQL stores do: purge expired rows.
async fn conformance(url: &str, sql: Option<SqlStore>) {
    let stores = open(url).await;
    authx::store::testing::conformance(&stores).await;
    if let Some(sql) = sql {
        // The suite's expiry check left an expired entry behind.
        assert!(
            sql.purge_expired().await.unwrap() >= 1,
            "expired rows are purged"
        );
    }
}

#[tokio::test]
async fn conformance_memory() {
    conformance("memory://", None).await;
}

#[tokio::test]
async fn conformance_sqlite() {
    let url = sqlite_url();
    conformance(&url, Some(SqlStore::connect(&url).await.unwrap())).await;
}

#[tokio::test]
async fn conformance_postgres() {
    let url = postgres_url();
    conformance(&url, Some(SqlStore::connect(&url).await.unwrap())).await;
}

#[tokio::test]
async fn conformance_redis() {
    conformance(&redis_url(), None).await;
}

// ---------------------------------------------------------------- durability and sharing

/// Revoke and create a session with one engine, drop it, build another on the same URL.
async fn survives_restart(url: &str) {
    let _ = open(url).await;
    let subject = unique("user");
    let (token, session_id) = {
        let first = Auth::connect(config(url)).await.unwrap();
        let session = first
            .create_session(&subject, SessionMeta::default())
            .await
            .unwrap();
        let token = first
            .access_token(&subject)
            .session(&session.id)
            .issue()
            .unwrap();
        let claims = first.verify_unrevoked(&token).await.unwrap();
        first.revoke(&claims).await.unwrap();
        (token, session.id)
    };
    let second = Auth::connect(config(url)).await.unwrap();
    assert!(
        matches!(
            second.verify_unrevoked(&token).await,
            Err(AuthError::Revoked)
        ),
        "{url}: revocation survived"
    );
    let listed = second.sessions(&subject).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| &s.id).collect::<Vec<_>>(),
        [&session_id],
        "{url}: session survived"
    );
}

#[tokio::test]
async fn sqlite_survives_restart() {
    survives_restart(&sqlite_url()).await;
}

#[tokio::test]
async fn postgres_survives_restart() {
    survives_restart(&postgres_url()).await;
}

#[tokio::test]
async fn redis_survives_restart() {
    survives_restart(&redis_url()).await;
}

/// Two engines (two service instances) on one store see each other's revocations at once.
async fn shared_by_two_instances(url: &str) {
    let _ = open(url).await;
    let a = Auth::connect(config(url)).await.unwrap();
    let b = Auth::connect(config(url)).await.unwrap();
    let subject = unique("user");
    let session = a
        .create_session(&subject, SessionMeta::default())
        .await
        .unwrap();
    let token = a
        .access_token(&subject)
        .session(&session.id)
        .issue()
        .unwrap();
    let other = a.access_token(&subject).issue().unwrap();
    assert!(b.verify_unrevoked(&token).await.is_ok());
    assert_eq!(
        b.sessions(&subject).await.unwrap().len(),
        1,
        "b lists a's session"
    );
    b.revoke_session(&session.id).await.unwrap();
    assert!(
        matches!(a.verify_unrevoked(&token).await, Err(AuthError::Revoked)),
        "a sees b's session revocation"
    );
    a.revoke(&a.verify(&other).unwrap()).await.unwrap();
    assert!(
        matches!(b.verify_unrevoked(&other).await, Err(AuthError::Revoked)),
        "b sees a's logout"
    );
}

#[tokio::test]
async fn postgres_is_shared_by_two_instances() {
    shared_by_two_instances(&postgres_url()).await;
}

#[tokio::test]
async fn redis_is_shared_by_two_instances() {
    shared_by_two_instances(&redis_url()).await;
}

// ---------------------------------------------------------------- outages

/// A store on a closed port: protected requests get a fast 503 JSON, never a hang or a 500.
async fn outage_fails_closed(url: &str) {
    let auth = Auth::connect(config(url))
        .await
        .expect("a dead store does not keep the service from starting");
    let app = Router::new()
        .route("/p", get(|c: authx::Claims| async move { c.sub }))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let token = auth.create_access_token("u").unwrap();
    let res = client()
        .get(s.url("/p"))
        .bearer_auth(&token)
        .timeout(Duration::from_secs(30))
        .send()
        .await;
    let (status, body) = status_json(res.expect("a dead store must not hang the request")).await;
    assert_error(status, &body, 503, "StoreUnavailableError");
}

#[tokio::test]
async fn redis_outage_fails_closed() {
    outage_fails_closed("redis://127.0.0.1:1").await;
}

#[tokio::test]
async fn postgres_outage_fails_closed() {
    outage_fails_closed("postgres://postgres@127.0.0.1:1/test").await;
}

#[tokio::test]
async fn unknown_store_urls_are_refused_at_start_up() {
    let err = Auth::connect(config("mongodb://x"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown store URL scheme"), "{err}");
}
