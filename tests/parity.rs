//! The capabilities of the libraries authx replaces, end to end over real HTTP/WebSocket:
//! middleware mode and allowlist mode (fastapi-auth-jwt), implicit refresh and WebSocket auth
//! (AuthX). Runs the `middleware` and `websocket` examples and the quickstart's `/ws`.

#[path = "../examples/middleware.rs"]
#[allow(dead_code)]
mod middleware;

#[path = "../examples/websocket.rs"]
#[allow(dead_code)]
mod websocket;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use authx::layer::{AuthLayer, ImplicitRefreshLayer};
use authx::{Auth, AuthConfig, Claims, RevocationStore, StoreError, TokenLocation, protect};
use authx_examples::demo::Users;
use authx_tests::{TestServer, assert_error, client, login, status_json};
use axum::Router;
use axum::routing::{get, post};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

fn middleware_config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key("parity-test-secret-0123456789abcdef")
        .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
        .cookie_secure(false)
        .allowlist(true)
        .build()
}

async fn middleware_server() -> (TestServer, Auth) {
    let auth = Auth::new(middleware_config()).unwrap();
    (
        TestServer::start(middleware::app(auth.clone(), Users::demo())).await,
        auth,
    )
}

#[tokio::test]
async fn middleware_guards_everything_but_the_exclusions() {
    let (s, _) = middleware_server().await;
    let c = client();
    assert_eq!(c.get(s.url("/health")).send().await.unwrap().status(), 200);
    assert_eq!(
        c.get(s.url("/public/info")).send().await.unwrap().status(),
        200
    );
    let (status, body) = status_json(c.get(s.url("/me")).send().await.unwrap()).await;
    assert_error(status, &body, 401, "MissingTokenError");
    let (status, body) = status_json(
        c.get(s.url("/me"))
            .bearer_auth("garbage")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "JWTDecodeError");
    let pair = login(&s, "user1", "password1").await;
    let res = c
        .get(s.url("/me"))
        .bearer_auth(pair["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"sub": "user1", "email": "user1@example.com", "scopes": ["users:read"]})
    );
}

#[tokio::test]
async fn allowlist_refuses_unrecorded_and_withdrawn_tokens() {
    let (s, auth) = middleware_server().await;
    let c = client();
    // Valid signature, but never recorded: refused.
    let stray = auth.tokens().create_access("user1").unwrap();
    let (status, body) = status_json(
        c.get(s.url("/me"))
            .bearer_auth(&stray)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "RevokedTokenError");
    let a = login(&s, "user1", "password1").await;
    let b = login(&s, "user1", "password1").await;
    let other = login(&s, "user2", "password2").await;
    let (ta, tb, to) = (
        a["access_token"].as_str().unwrap(),
        b["access_token"].as_str().unwrap(),
        other["access_token"].as_str().unwrap(),
    );
    assert_eq!(
        c.post(s.url("/logout"))
            .bearer_auth(ta)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(s.url("/me"))
            .bearer_auth(ta)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        c.get(s.url("/me"))
            .bearer_auth(tb)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Per subject: every live token of user1 (a's refresh, b's access and refresh), none of user2's.
    let (status, body) = status_json(
        c.post(s.url("/logout-all"))
            .bearer_auth(tb)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["withdrawn"].as_u64().unwrap()), (200, 3));
    assert_eq!(
        c.get(s.url("/me"))
            .bearer_auth(tb)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        c.get(s.url("/me"))
            .bearer_auth(to)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Counts revocation lookups, to prove the layer and an inner `#[protect]` verify once.
#[derive(Default)]
struct Counting(AtomicUsize);

#[async_trait::async_trait]
impl RevocationStore for Counting {
    async fn revoke(&self, _: &str, _: i64) -> Result<(), StoreError> {
        Ok(())
    }
    /// One check per call, whatever the keys (a token and its family).
    async fn any_revoked(&self, _: &[&str]) -> Result<bool, StoreError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(false)
    }
}

#[protect(scopes = "admin:*")]
async fn inner_admin(claims: Claims) -> String {
    claims.sub
}

#[tokio::test]
async fn layer_and_inner_protect_verify_once_and_both_apply() {
    let counter = Arc::new(Counting::default());
    let auth = Auth::builder(
        AuthConfig::builder()
            .secret_key("parity-test-secret-0123456789abcdef")
            .build(),
    )
    .shared_revocations_only(counter.clone())
    .build()
    .unwrap();
    let app = Router::new()
        .route("/admin", get(inner_admin))
        .layer(AuthLayer::new(auth.clone()))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let admin = auth
        .tokens()
        .access("root")
        .scopes(["admin:*"])
        .issue()
        .unwrap();
    let res = client()
        .get(s.url("/admin"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "root");
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "one verification for layer + guard + Claims"
    );
    // The inner guard's own rules still apply.
    let user = auth.tokens().create_access("u").unwrap();
    let (status, body) = status_json(
        client()
            .get(s.url("/admin"))
            .bearer_auth(&user)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 403, "InsufficientScopeError");
}

fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
}

#[tokio::test]
async fn implicit_refresh_renews_near_expiry_cookies_and_keeps_csrf() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key("parity-test-secret-0123456789abcdef")
            .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
            .cookie_secure(false)
            .build(),
    )
    .unwrap();
    let app = Router::new()
        .route(
            "/whoami",
            get(|c: Claims| async move { format!("{} fresh={} exp={}", c.sub, c.fresh, c.exp) }),
        )
        .route("/write", post(|c: Claims| async move { c.sub }))
        .layer(ImplicitRefreshLayer::new(auth.clone()).window(Duration::from_secs(120)))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    // A login's pair: the refresh token is the authority on what a refreshed token grants,
    // and only access tokens of its own family are refreshed from it.
    let pair = auth.tokens().pair("user1").scopes(["a:b"]).issue().unwrap();
    let refresh = pair.refresh_token;
    let family = auth.verify(&refresh).unwrap().sid.unwrap();
    // Expires in 60 s: inside the 120 s window.
    let soon = auth
        .tokens()
        .access("user1")
        .fresh(true)
        .expires_in(Duration::from_secs(60))
        .scopes(["a:b"])
        .session(&family)
        .issue()
        .unwrap();
    let csrf = auth.verify(&soon).unwrap().csrf.unwrap();
    let cookies = format!("access_token_cookie={soon}; refresh_token_cookie={refresh}");
    let res = client()
        .get(s.url("/whoami"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    let set: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let body = res.text().await.unwrap();
    assert!(
        body.starts_with("user1 fresh=false"),
        "the handler already sees the new, non-fresh token: {body}"
    );
    let renewed = cookie_value(&set, "access_token_cookie").expect("a new access cookie");
    let claims = auth.verify(&renewed).unwrap();
    assert!(!claims.fresh && claims.exp > auth.verify(&soon).unwrap().exp);
    assert_eq!(claims.scopes(), ["a:b"]);
    assert_eq!(
        cookie_value(&set, "csrf_access_token").as_deref(),
        Some(csrf.as_str()),
        "CSRF cookie re-issued, same value"
    );
    // An unsafe method with the page's existing CSRF header still passes after the refresh.
    let res = client()
        .post(s.url("/write"))
        .header("cookie", &cookies)
        .header("X-CSRF-TOKEN", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Already expired: refreshed too (the default).
    let expired = auth
        .tokens()
        .access("user1")
        .session(&family)
        .expires_at(authx_now() - 30)
        .issue()
        .unwrap();
    let res = client()
        .get(s.url("/whoami"))
        .header(
            "cookie",
            format!("access_token_cookie={expired}; refresh_token_cookie={refresh}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Far from expiry: untouched.
    let fresh = auth
        .tokens()
        .access("user1")
        .session(&family)
        .issue()
        .unwrap();
    let res = client()
        .get(s.url("/whoami"))
        .header(
            "cookie",
            format!("access_token_cookie={fresh}; refresh_token_cookie={refresh}"),
        )
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("set-cookie").is_none());
    // Tokens in headers are never touched.
    let res = client()
        .get(s.url("/whoami"))
        .bearer_auth(&soon)
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("set-cookie").is_none());
    // A logged-out access token is not brought back to life.
    auth.revocations()
        .revoke(&auth.verify(&soon).unwrap())
        .await
        .unwrap();
    let res = client()
        .get(s.url("/whoami"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers().get("set-cookie").is_none());
}

fn authx_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn ws_server() -> (TestServer, Auth) {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key("parity-test-secret-0123456789abcdef")
            .build(),
    )
    .unwrap();
    (
        TestServer::start(websocket::app(auth.clone(), Users::demo())).await,
        auth,
    )
}

#[tokio::test]
async fn websocket_authenticates_before_the_upgrade() {
    let (s, auth) = ws_server().await;
    let token = auth.tokens().create_access("user1").unwrap();
    let ws_url = format!("ws://{}/ws", s.addr);
    // Token in the query string (what browsers can do).
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{ws_url}?token={token}"))
        .await
        .expect("upgrade");
    socket.send(Message::text("hello")).await.unwrap();
    let reply = socket.next().await.unwrap().unwrap();
    assert_eq!(reply.into_text().unwrap().as_str(), "user1: hello");
    socket.close(None).await.unwrap();
    // Token in the Authorization header.
    let mut req = ws_url.clone().into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade");
    socket.send(Message::text("again")).await.unwrap();
    assert_eq!(
        socket
            .next()
            .await
            .unwrap()
            .unwrap()
            .into_text()
            .unwrap()
            .as_str(),
        "user1: again"
    );
    // No token, a bad token, a refresh token: the HTTP error, never an open socket.
    for (url, error_type) in [
        (ws_url.clone(), "MissingTokenError"),
        (format!("{ws_url}?token=garbage"), "JWTDecodeError"),
        (
            format!(
                "{ws_url}?token={}",
                auth.tokens().create_refresh("user1").unwrap()
            ),
            "AccessTokenRequiredError",
        ),
    ] {
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                assert_eq!(res.status(), 401);
                let body: serde_json::Value =
                    serde_json::from_slice(res.body().as_deref().unwrap_or_default()).unwrap();
                assert_eq!(body["error_type"], error_type);
            }
            other => panic!("expected a refused upgrade, got {other:?}"),
        }
    }
}
