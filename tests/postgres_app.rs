//! `examples/postgres_app.rs` over real HTTP against the real PostgreSQL
//! (`AUTHX_TEST_POSTGRES_URL`, default the local test database; unreachable: the test fails).

#[path = "../examples/postgres_app.rs"]
#[allow(dead_code)]
mod postgres_app;

use std::time::Duration;

use authx::AuthConfig;
use authx_tests::{TestServer, assert_error, client, get_bearer, post_bearer, status_json};
use serde_json::{Value, json};

fn database_url() -> String {
    std::env::var("AUTHX_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn server() -> TestServer {
    let url = database_url();
    let config = AuthConfig::builder()
        .secret_key("postgres-app-test-secret-0123456789ab")
        .store_timeout(Duration::from_secs(5))
        .build();
    let app = postgres_app::app(&url, config)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}. Start it (cargo xtask test does)."));
    TestServer::start(app).await
}

async fn post(s: &TestServer, path: &str, body: Value) -> (u16, Value) {
    status_json(client().post(s.url(path)).json(&body).send().await.unwrap()).await
}

fn email() -> String {
    format!("user-{}@example.com", uuid::Uuid::new_v4())
}

#[tokio::test]
async fn signup_login_me_sessions_logout() {
    let s = server().await;
    let email = email();
    let creds = json!({"email": email, "password": "correct horse battery"});
    let (status, body) = post(&s, "/signup", creds.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["email"], email);
    assert!(body.get("password").is_none() && body.get("password_hash").is_none());

    let (status, body) = post(&s, "/signup", creds.clone()).await;
    assert_error(status, &body, 409, "EmailTakenError");

    let (status, pair) = post(&s, "/login", creds.clone()).await;
    assert_eq!(status, 200, "{pair}");
    let access = pair["access_token"].as_str().unwrap();
    let (status, me) = get_bearer(&s, "/me", access).await;
    assert_eq!((status, me["email"].as_str()), (200, Some(email.as_str())));
    let (status, sessions) = get_bearer(&s, "/sessions", access).await;
    assert_eq!(status, 200);
    assert_eq!(sessions.as_array().unwrap().len(), 1);

    let res = client()
        .post(s.url("/logout"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (status, body) = get_bearer(&s, "/me", access).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    let (status, body) = post_bearer(&s, "/refresh", pair["refresh_token"].as_str().unwrap()).await;
    assert_error(status, &body, 401, "RevokedTokenError");
}

#[tokio::test]
async fn wrong_passwords_unknown_emails_and_overlong_passwords() {
    let s = server().await;
    let email = email();
    post(
        &s,
        "/signup",
        json!({"email": email, "password": "correct horse battery"}),
    )
    .await;
    // A wrong password and an unknown email: the same answer, after the same argon2 check.
    let (status, body) = post(
        &s,
        "/login",
        json!({"email": email, "password": "wrong one!"}),
    )
    .await;
    assert_error(status, &body, 401, "InvalidCredentialsError");
    let (status, unknown) = post(
        &s,
        "/login",
        json!({"email": self::email(), "password": "wrong one!"}),
    )
    .await;
    assert_error(status, &unknown, 401, "InvalidCredentialsError");
    assert_eq!(
        body, unknown,
        "nothing tells an unknown email from a wrong password"
    );

    let long = "x".repeat(10_000);
    for path in ["/signup", "/login"] {
        let (status, body) =
            post(&s, path, json!({"email": self::email(), "password": long})).await;
        assert_error(status, &body, 400, "InvalidPasswordError");
    }
    let (status, body) = post(
        &s,
        "/signup",
        json!({"email": self::email(), "password": "short"}),
    )
    .await;
    assert_error(status, &body, 400, "InvalidPasswordError");
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let s = server().await;
    let email = email();
    let old = json!({"email": email, "password": "correct horse battery"});
    post(&s, "/signup", old.clone()).await;
    let (_, laptop) = post(&s, "/login", old.clone()).await;
    let (_, phone) = post(&s, "/login", old.clone()).await;
    let laptop_access = laptop["access_token"].as_str().unwrap();
    let phone_access = phone["access_token"].as_str().unwrap();

    let res = client()
        .post(s.url("/password"))
        .bearer_auth(laptop_access)
        .json(&json!({"current": "correct horse battery", "new": "tr0ub4dor & 3"}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["other_sessions_revoked"], 1);

    assert_eq!(
        get_bearer(&s, "/me", laptop_access).await.0,
        200,
        "this session stays"
    );
    let (status, body) = get_bearer(&s, "/me", phone_access).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    let (status, _) = post(&s, "/login", old).await;
    assert_eq!(status, 401, "the old password no longer works");
    let (status, _) = post(
        &s,
        "/login",
        json!({"email": email, "password": "tr0ub4dor & 3"}),
    )
    .await;
    assert_eq!(status, 200);
}
