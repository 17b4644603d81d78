//! Regression tests of the security review's findings, over real HTTP: each one failed before
//! its fix.
//!
//! - retired refresh tokens are dead everywhere, and presenting one revokes its family;
//! - implicit refresh mints no stale privileges;
//! - every pair has a family, and logout ends it;
//! - client IPs cannot be spoofed, IPv6 clients share a bucket per /64, `enforce` keys by
//!   route template, sessions record the client and not the proxy;
//! - WebSockets close when their token expires or is revoked;
//! - session ids from URLs are validated before any store sees them;
//! - nothing secret in `Debug`.

#[path = "../examples/quickstart.rs"]
#[allow(dead_code)]
mod quickstart;

use std::time::Duration;

use authx::layer::ImplicitRefreshLayer;
use authx::testing::RouteAudit;
use authx::{
    Auth, AuthConfig, AuthError, Claims, RefreshClaims, Rules, TokenLocation, protect, public,
    routes,
};
use authx_examples::demo::Users;
use authx_tests::{
    TestServer, assert_error, client, get_bearer, login, login_as, post_bearer, status_json,
};
use axum::Router;
use axum::http::request::Parts;
use axum::routing::{get, post};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const SECRET: &str = "hardening-test-secret-0123456789abcdef";

fn config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key(SECRET)
        .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
        .cookie_secure(false)
        .build()
}

async fn quickstart_with(config: AuthConfig) -> (TestServer, Auth) {
    let auth = Auth::new(config).unwrap();
    let s = TestServer::start(quickstart::app(auth.clone(), Users::demo())).await;
    (s, auth)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

// ---------------------------------------------------------------- retired refresh tokens

/// Every path that accepts a refresh token, on one app.
async fn refresh_paths(RefreshClaims(c): RefreshClaims) -> String {
    c.sub
}

#[tokio::test]
async fn a_retired_refresh_token_is_dead_everywhere_and_revokes_its_family() {
    let (s, auth) = quickstart_with(config()).await;
    let pair = login(&s, "user1", "password1").await;
    let old = str_of(&pair, "refresh_token").to_owned();
    let (status, rotated) = post_bearer(&s, "/refresh", &old).await;
    assert_eq!(status, 200, "{rotated}");
    let new_refresh = str_of(&rotated, "refresh_token").to_owned();
    let new_access = str_of(&rotated, "access_token").to_owned();

    // The engine path: verify_unrevoked refuses it as reuse.
    assert!(matches!(
        auth.verify_unrevoked(&old).await,
        Err(AuthError::RefreshTokenReused)
    ));
    // ...which revoked the family: the successor pair is dead too.
    let (status, body) = get_bearer(&s, "/protected", &new_access).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    let (status, body) = post_bearer(&s, "/refresh", &new_refresh).await;
    assert_error(status, &body, 401, "RevokedTokenError");

    // A `RefreshClaims` extractor and a `#[protect(refresh)]` route, on a fresh family each.
    let extractor_app = Router::new()
        .route("/r", post(refresh_paths))
        .with_state(auth.clone());
    let e = TestServer::start(extractor_app).await;
    for path in ["extractor", "protect"] {
        let pair = login(&s, "user1", "password1").await;
        let old = str_of(&pair, "refresh_token").to_owned();
        let (status, rotated) = post_bearer(&s, "/refresh", &old).await;
        assert_eq!(status, 200);
        let (status, body) = match path {
            "extractor" => post_bearer(&e, "/r", &old).await,
            _ => post_bearer(&s, "/refresh", &old).await,
        };
        assert_error(status, &body, 401, "RefreshTokenReusedError");
        let (status, body) = get_bearer(&s, "/protected", str_of(&rotated, "access_token")).await;
        assert_error(status, &body, 401, "RevokedTokenError");
    }
}

#[tokio::test]
async fn implicit_refresh_refuses_a_retired_refresh_cookie_and_revokes_the_family() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route("/whoami", get(|c: Claims| async move { c.sub }))
        .layer(ImplicitRefreshLayer::new(auth.clone()))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let pair = auth.tokens().pair("user1").issue().unwrap();
    let refresh = auth.verify(&pair.refresh_token).unwrap();
    let successor = auth
        .sessions()
        .rotate(&RefreshClaims(refresh.clone()))
        .await
        .unwrap();
    // An expired access cookie of the family, with the retired refresh cookie.
    let expired = auth
        .tokens()
        .access("user1")
        .session(refresh.sid.clone().unwrap())
        .expires_at(now() - 30)
        .issue()
        .unwrap();
    let res = client()
        .get(s.url("/whoami"))
        .header(
            "cookie",
            format!(
                "access_token_cookie={expired}; refresh_token_cookie={}",
                pair.refresh_token
            ),
        )
        .send()
        .await
        .unwrap();
    assert!(
        res.headers().get("set-cookie").is_none(),
        "no access token minted from a retired refresh token"
    );
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "TokenExpiredError");
    assert!(
        matches!(
            auth.verify_unrevoked(&successor.refresh_token).await,
            Err(AuthError::Revoked)
        ),
        "presenting it revoked the family"
    );
}

// ---------------------------------------------------------------- implicit refresh

fn implicit_app(auth: &Auth) -> Router {
    Router::new()
        .route(
            "/admin",
            get(|c: Claims| async move {
                if c.has_scope("admin:*") {
                    Ok(c.sub)
                } else {
                    Err(AuthError::InsufficientScope {
                        required: vec!["admin:*".into()],
                        all: true,
                    })
                }
            }),
        )
        .layer(ImplicitRefreshLayer::new(auth.clone()).max_expired_age(Duration::from_secs(600)))
        .with_state(auth.clone())
}

async fn with_cookies(s: &TestServer, access: &str, refresh: &str) -> reqwest::Response {
    client()
        .get(s.url("/admin"))
        .header(
            "cookie",
            format!("access_token_cookie={access}; refresh_token_cookie={refresh}"),
        )
        .send()
        .await
        .unwrap()
}

/// The review's case: an expired `admin:*` access cookie plus the refresh cookie of a later,
/// scope-less login of the same user reached `/admin`.
#[tokio::test]
async fn implicit_refresh_takes_claims_from_the_refresh_token_of_the_same_family() {
    let auth = Auth::new(config()).unwrap();
    let s = TestServer::start(implicit_app(&auth)).await;
    let admin_login = auth
        .tokens()
        .pair("user1")
        .scopes(["admin:*"])
        .issue()
        .unwrap();
    let later_login = auth.tokens().pair("user1").issue().unwrap();
    let old_admin_access = auth
        .tokens()
        .access("user1")
        .scopes(["admin:*"])
        .session(auth.verify(&admin_login.access_token).unwrap().sid.unwrap())
        .expires_at(now() - 30)
        .issue()
        .unwrap();
    let res = with_cookies(&s, &old_admin_access, &later_login.refresh_token).await;
    assert!(
        res.headers().get("set-cookie").is_none(),
        "another family: no refresh"
    );
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "TokenExpiredError");

    // Same family, but the refresh token grants less than the old access token claimed:
    // the new token carries the refresh token's scopes.
    let family = auth
        .verify(&later_login.refresh_token)
        .unwrap()
        .sid
        .unwrap();
    let forged_scopes = auth
        .tokens()
        .access("user1")
        .scopes(["admin:*"])
        .session(&family)
        .expires_at(now() - 30)
        .issue()
        .unwrap();
    let res = with_cookies(&s, &forged_scopes, &later_login.refresh_token).await;
    assert!(res.headers().get("set-cookie").is_some(), "refreshed");
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 403, "InsufficientScopeError");

    // The refresh token of the admin login refreshes the admin cookie: admin it stays.
    let expired_admin = auth
        .tokens()
        .access("user1")
        .session(
            auth.verify(&admin_login.refresh_token)
                .unwrap()
                .sid
                .unwrap(),
        )
        .expires_at(now() - 30)
        .issue()
        .unwrap();
    let res = with_cookies(&s, &expired_admin, &admin_login.refresh_token).await;
    assert_eq!(res.status(), 200);

    // Expired longer ago than the bound (600 s here): not refreshed.
    let stale = auth
        .tokens()
        .access("user1")
        .session(
            auth.verify(&admin_login.refresh_token)
                .unwrap()
                .sid
                .unwrap(),
        )
        .expires_at(now() - 3600)
        .issue()
        .unwrap();
    let res = with_cookies(&s, &stale, &admin_login.refresh_token).await;
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.status(), 401);
}

// ---------------------------------------------------------------- families and logout

#[tokio::test]
async fn a_pair_without_a_session_is_a_family_and_reuse_revokes_it() {
    let (s, auth) = quickstart_with(config()).await;
    // `/cookie/login` issues a pair without a session.
    let res = client()
        .post(s.url("/cookie/login"))
        .json(&json!({"username": "user1", "password": "password1"}))
        .send()
        .await
        .unwrap();
    let set: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let refresh = set
        .iter()
        .find_map(|c| c.strip_prefix("refresh_token_cookie="))
        .and_then(|c| c.split(';').next())
        .expect("refresh cookie")
        .to_owned();
    assert!(auth.verify(&refresh).unwrap().sid.is_some(), "a family id");
    // The thief rotates first, then the victim presents the same token.
    let (status, thief) = post_bearer(&s, "/refresh", &refresh).await;
    assert_eq!(status, 200);
    let (status, body) = post_bearer(&s, "/refresh", &refresh).await;
    assert_error(status, &body, 401, "RefreshTokenReusedError");
    let (status, body) = post_bearer(&s, "/refresh", str_of(&thief, "refresh_token")).await;
    assert_error(status, &body, 401, "RevokedTokenError");
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_too() {
    let (s, _) = quickstart_with(config()).await;
    let pair = login(&s, "user1", "password1").await;
    let (status, _) = post_bearer(&s, "/logout", str_of(&pair, "access_token")).await;
    assert_eq!(status, 200);
    let (status, body) = post_bearer(&s, "/refresh", str_of(&pair, "refresh_token")).await;
    assert_error(status, &body, 401, "RevokedTokenError");
}

#[tokio::test]
async fn cookie_logout_needs_the_csrf_header_and_ends_the_family() {
    let (s, auth) = quickstart_with(config()).await;
    let pair = auth.tokens().pair("user1").issue().unwrap();
    let csrf = auth.verify(&pair.access_token).unwrap().csrf.unwrap();
    let cookies = format!(
        "access_token_cookie={}; refresh_token_cookie={}",
        pair.access_token, pair.refresh_token
    );
    // A cross-site form: cookies, no header.
    let res = client()
        .post(s.url("/cookie/logout"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "MissingCSRFTokenError");
    assert!(auth.verify_unrevoked(&pair.refresh_token).await.is_ok());
    // The page: cookies and header.
    let res = client()
        .post(s.url("/cookie/logout"))
        .header("cookie", &cookies)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(matches!(
        auth.verify_unrevoked(&pair.refresh_token).await,
        Err(AuthError::Revoked)
    ));
    // Without any token it still clears the cookies.
    let res = client().post(s.url("/cookie/logout")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

// ---------------------------------------------------------------- leeway

#[tokio::test]
async fn a_revocation_outlives_the_leeway() {
    let (s, auth) = quickstart_with(
        AuthConfig::builder()
            .secret_key(SECRET)
            .leeway(Duration::from_secs(30))
            .build(),
    )
    .await;
    // Expired 5 s ago, verifying under the 30 s leeway.
    let token = auth
        .tokens()
        .access("user1")
        .expires_at(now() - 5)
        .issue()
        .unwrap();
    let (status, _) = get_bearer(&s, "/protected", &token).await;
    assert_eq!(status, 200, "within the leeway");
    let (status, _) = post_bearer(&s, "/logout", &token).await;
    assert_eq!(status, 200);
    let (status, body) = get_bearer(&s, "/protected", &token).await;
    assert_error(status, &body, 401, "RevokedTokenError");
}

// ---------------------------------------------------------------- client IP

fn proxied(header: &str) -> AuthConfig {
    AuthConfig::builder()
        .secret_key(SECRET)
        .trusted_proxy("127.0.0.1")
        .forwarded_header(header)
        .build()
}

async fn login_statuses(s: &TestServer, forwarded: &[(&str, &str)]) -> Vec<u16> {
    let mut out = Vec::new();
    for (header, value) in forwarded {
        let res = client()
            .post(s.url("/login"))
            .header(*header, *value)
            .json(&json!({"username": "user1", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        out.push(res.status().as_u16());
    }
    out
}

#[tokio::test]
async fn an_unparsable_forwarded_entry_stops_the_walk() {
    let (s, _) = quickstart_with(proxied("x-forwarded-for")).await;
    // Eleven attempts, each claiming another client behind an `unknown` hop: all of them are
    // the proxy's client, one bucket of ten.
    let spoofed: Vec<(&str, String)> = (0..11)
        .map(|i| ("x-forwarded-for", format!("203.0.113.{i}, unknown")))
        .collect();
    let pairs: Vec<(&str, &str)> = spoofed.iter().map(|(h, v)| (*h, v.as_str())).collect();
    let statuses = login_statuses(&s, &pairs).await;
    assert_eq!(statuses[..10], [401; 10], "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
}

#[tokio::test]
async fn only_the_configured_header_is_read() {
    let (s, _) = quickstart_with(proxied("forwarded")).await;
    // The proxy writes `Forwarded`; the client adds its own X-Forwarded-For, varying it.
    let mut statuses = Vec::new();
    for i in 0..11 {
        let res = client()
            .post(s.url("/login"))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .header("forwarded", "for=198.51.100.7")
            .json(&json!({"username": "user1", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses[10], 429, "{statuses:?}");
}

#[tokio::test]
async fn ipv6_clients_share_a_bucket_per_64() {
    let (s, _) = quickstart_with(proxied("x-forwarded-for")).await;
    let addrs: Vec<String> = (0..11)
        .map(|i| format!("2001:db8:1:2::{:x}", i + 1))
        .collect();
    let pairs: Vec<(&str, &str)> = addrs
        .iter()
        .map(|a| ("x-forwarded-for", a.as_str()))
        .collect();
    let statuses = login_statuses(&s, &pairs).await;
    assert_eq!(statuses[10], 429, "one /64, one bucket: {statuses:?}");
    // Another /64 is another client.
    let statuses = login_statuses(&s, &[("x-forwarded-for", "2001:db8:1:3::1")]).await;
    assert_eq!(statuses, [401]);
}

#[tokio::test]
async fn sessions_record_the_client_not_the_proxy() {
    let (s, _) = quickstart_with(
        AuthConfig::builder()
            .secret_key(SECRET)
            .trusted_proxy("127.0.0.1")
            .build(),
    )
    .await;
    let res = client()
        .post(s.url("/login"))
        .header("x-forwarded-for", "198.51.100.23")
        .json(&json!({"username": "user1", "password": "password1"}))
        .send()
        .await
        .unwrap();
    let (_, pair) = status_json(res).await;
    let (status, sessions) = get_bearer(&s, "/sessions", str_of(&pair, "access_token")).await;
    assert_eq!(status, 200);
    assert_eq!(sessions[0]["ip"], "198.51.100.23", "{sessions}");
    // Without a trusted proxy, the client's header is ignored.
    let (s, _) = quickstart_with(config()).await;
    let res = client()
        .post(s.url("/login"))
        .header("x-forwarded-for", "198.51.100.23")
        .json(&json!({"username": "user1", "password": "password1"}))
        .send()
        .await
        .unwrap();
    let (_, pair) = status_json(res).await;
    let (_, sessions) = get_bearer(&s, "/sessions", str_of(&pair, "access_token")).await;
    assert_eq!(sessions[0]["ip"], "127.0.0.1", "{sessions}");
}

/// A login that keeps the client's `device_info` with its session, as AuthX's `device_info`
/// dict.
async fn login_with_device_info(
    axum::extract::State(auth): axum::extract::State<Auth>,
    meta: authx::SessionMeta,
    axum::Json(body): axum::Json<Value>,
) -> Result<axum::Json<Value>, AuthError> {
    let meta = meta.with_device_info(body["device_info"].clone());
    let session = auth.sessions().create("ada", meta).await?;
    let pair = auth.tokens().pair("ada").session(&session.id).issue()?;
    Ok(axum::Json(json!({ "access_token": pair.access_token })))
}

/// A `device_info` over 4 KiB serialized is the client's request at fault: `400
/// InvalidSessionMetaError` in AuthX's shape and no session, where it was a `500 InternalError`.
/// Up to 4 KiB is kept as given.
#[tokio::test]
async fn a_device_info_over_4_kib_is_a_400_at_login() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route("/login", post(login_with_device_info))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let login = |device_info: Value| {
        let req = client()
            .post(s.url("/login"))
            .json(&json!({ "device_info": device_info }));
        async move { status_json(req.send().await.unwrap()).await }
    };

    // `{"note":"xxx..."}` serialized: 11 bytes around the string.
    let (status, body) = login(json!({ "note": "x".repeat(4096 - 11 + 1) })).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body,
        json!({
            "message": "Invalid session metadata: device_info is over 4 KiB serialized",
            "error_type": "InvalidSessionMetaError"
        })
    );
    assert!(auth.sessions().list("ada").await.unwrap().is_empty());

    let info = json!({ "note": "x".repeat(4096 - 11) });
    assert_eq!(info.to_string().len(), 4096);
    let (status, body) = login(info.clone()).await;
    assert_eq!(status, 200, "{body}");
    let sessions = auth.sessions().list("ada").await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].device_info.as_ref(), Some(&info));
}

async fn enforced(
    axum::extract::State(auth): axum::extract::State<Auth>,
    mut parts: Parts,
) -> Result<String, AuthError> {
    static LIMITED: std::sync::LazyLock<Rules> = std::sync::LazyLock::new(|| {
        Rules::builder()
            .rate("2/60s", authx::guard::RateKeyRule::Ip)
            .build()
            .expect("valid rules")
    });
    let claims = auth.enforce(&mut parts, &LIMITED).await?;
    Ok(claims.sub.clone())
}

#[tokio::test]
async fn enforce_counts_per_route_template_not_per_path() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route("/items/{id}", get(enforced))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let token = auth.tokens().create_access("user1").unwrap();
    let mut statuses = Vec::new();
    for i in 0..4 {
        let res = client()
            .get(s.url(&format!("/items/{i}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(
        statuses,
        [200, 200, 429, 429],
        "varying the path gives no new bucket"
    );
}

// ---------------------------------------------------------------- WebSockets

async fn ws_quickstart(interval: Duration) -> (TestServer, Auth) {
    quickstart_with(
        AuthConfig::builder()
            .secret_key(SECRET)
            .ws_recheck_interval(interval)
            .build(),
    )
    .await
}

/// Reads until the server closes; the close code, within `limit`.
async fn close_code<S>(socket: &mut S, limit: Duration) -> Option<CloseCode>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    tokio::time::timeout(limit, async {
        while let Some(msg) = socket.next().await {
            match msg {
                Ok(Message::Close(frame)) => return frame.map(|f| f.code),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("the server closes the socket in time")
}

#[tokio::test]
async fn a_websocket_closes_when_its_token_expires() {
    let (s, auth) = ws_quickstart(Duration::from_secs(30)).await;
    let token = auth
        .tokens()
        .access("user1")
        .expires_at(now() + 2)
        .issue()
        .unwrap();
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws?token={token}", s.addr))
            .await
            .expect("upgrade");
    socket.send(Message::text("hi")).await.unwrap();
    let reply = socket.next().await.unwrap().unwrap();
    assert_eq!(reply.into_text().unwrap().as_str(), "user1: hi");
    // The expiry is two seconds away; ten is a deadline, not a timing measurement.
    let code = close_code(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(code, Some(CloseCode::Policy));
}

#[tokio::test]
async fn a_websocket_closes_after_its_session_is_revoked() {
    let (s, _) = ws_quickstart(Duration::from_secs(1)).await;
    let pair = login(&s, "user1", "password1").await;
    let access = str_of(&pair, "access_token").to_owned();
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws?token={access}", s.addr))
            .await
            .expect("upgrade");
    socket.send(Message::text("hi")).await.unwrap();
    assert!(socket.next().await.unwrap().is_ok());
    let (status, _) = post_bearer(&s, "/logout", &access).await;
    assert_eq!(status, 200);
    // Re-checked every second: closed within a few.
    let code = close_code(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(code, Some(CloseCode::Policy));
}

// ---------------------------------------------------------------- store inputs

#[tokio::test]
async fn session_ids_from_urls_are_validated_before_the_store() {
    let url = std::env::var("AUTHX_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let auth = Auth::connect(
        AuthConfig::builder()
            .secret_key(SECRET)
            .store_url(&url)
            .build(),
    )
    .await
    .unwrap();
    let s = TestServer::start(quickstart::app(auth.clone(), Users::demo())).await;
    let pair = login_as(&s, "user1", "password1", "hardening").await;
    let access = str_of(&pair, "access_token");
    let long = "a".repeat(300);
    for id in ["%00", "a%00b", long.as_str()] {
        let res = client()
            .delete(s.url(&format!("/sessions/{id}")))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(res).await;
        assert_error(status, &body, 404, "SessionNotFoundError");
    }
}

// ---------------------------------------------------------------- route audit

mod audit_app {
    use super::{protect, public};

    #[protect(scopes = "admin:*", fresh, kind = "staff", route = "GET /audit/admin")]
    pub async fn audit_admin() -> &'static str {
        "admin"
    }

    #[protect(refresh, route = "POST /audit/refresh")]
    pub async fn audit_refresh() -> &'static str {
        "refreshed"
    }

    #[public(rate = "2/60s", route = "GET /audit/limited")]
    pub async fn audit_limited() -> &'static str {
        "ok"
    }

    /// Guarded, but mounted by hand (no `route`): the audit cannot find it.
    #[protect]
    pub async fn unrouted() {}

    pub fn by_hand() -> axum::routing::MethodRouter<authx::Auth> {
        axum::routing::get(unrouted)
    }
}

#[tokio::test]
async fn the_route_audit_passes_guarded_routes_and_reports_every_unguarded_one() {
    let auth = Auth::new(config()).unwrap();
    let good = routes![
        audit_app::audit_admin,
        audit_app::audit_refresh,
        audit_app::audit_limited
    ]
    .route("/by-hand", audit_app::by_hand())
    .with_state(auth.clone());
    let audit = |app| RouteAudit::new(app, &auth).module("hardening::audit_app");
    // A guarded handler without a `route` cannot be checked: a failure unless lenient.
    let report = audit(&good).run().await;
    assert!(!report.is_ok() && report.failures().is_empty(), "{report}");
    assert_eq!(report.unprobed(), ["hardening::audit_app::unrouted"]);
    let report = audit(&good).lenient().run().await;
    report.assert_ok();
    assert_eq!(report.routes().len(), 3, "{report}");
    let admin = &report.routes()[0];
    assert_eq!(
        admin.checks,
        [
            "no token",
            "wrong token type",
            "non-fresh token",
            "token lacking the scopes",
            "token of another kind"
        ],
        "{report}"
    );
    // Routes registered but not mounted in the router under audit fail a strict audit (the
    // quickstart's, in this binary).
    let report = RouteAudit::new(&good, &auth).run().await;
    assert!(
        !report.unmounted().is_empty() && !report.is_ok(),
        "{report}"
    );

    // The same routes served without their guards: every failure, at once.
    let open = || async { "open" };
    let bad: Router = Router::new()
        .route("/audit/admin", get(open))
        .route("/audit/refresh", post(open))
        .route("/audit/limited", get(open));
    let report = audit(&bad).lenient().run().await;
    assert!(!report.is_ok());
    let failed: Vec<(&str, &str)> = report
        .failures()
        .iter()
        .map(|f| (f.route.split(' ').nth(1).unwrap(), f.check))
        .collect();
    assert_eq!(
        failed,
        [
            ("/audit/admin", "no token"),
            ("/audit/admin", "wrong token type"),
            ("/audit/admin", "non-fresh token"),
            ("/audit/admin", "token lacking the scopes"),
            ("/audit/admin", "token of another kind"),
            ("/audit/limited", "requests over the rate limit"),
            ("/audit/refresh", "no token"),
            ("/audit/refresh", "wrong token type"),
        ],
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains(
            "FAIL GET /audit/admin (hardening::audit_app::audit_admin): no token: expected 401 \
             MissingTokenError, got 200"
        ),
        "{text}"
    );
}

// ---------------------------------------------------------------- Debug

#[test]
fn debug_output_carries_no_secret() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key("debug-secret-value-0123456789abcdef")
            .store_url("postgres://app:hunter2@db.internal/auth")
            .token_locations([TokenLocation::Cookies])
            .build(),
    )
    .unwrap();
    let pair = auth.tokens().pair("user1").issue().unwrap();
    let claims = auth.verify(&pair.access_token).unwrap();
    let csrf = claims.csrf.clone().unwrap();
    let cookies = auth.cookies().set(&pair).unwrap();
    let outputs = [
        format!("{:?}", auth.config()),
        format!("{auth:?}"),
        format!("{claims:?}"),
        format!("{cookies:?}"),
        format!("{:?}", ImplicitRefreshLayer::new(auth.clone())),
        format!("{:?}", authx::layer::AuthLayer::new(auth.clone())),
        format!("{:?}", auth.tokens().access("u").csrf_value(&csrf)),
    ];
    for out in &outputs {
        for secret in [
            "debug-secret-value",
            "hunter2",
            csrf.as_str(),
            pair.access_token.as_str(),
            pair.refresh_token.as_str(),
        ] {
            assert!(!out.contains(secret), "{secret:?} in {out}");
        }
    }
    let vault = authx::vault::Vault::new(
        authx::VaultConfig::builder()
            .key(authx::vault::Vault::generate_key())
            .build(),
    )
    .unwrap();
    let sealed = vault.seal(&json!({"user": "ada"})).unwrap();
    let payload = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(vault.open_payload::<Value>(&sealed))
        .unwrap();
    let out = format!("{payload:?}");
    assert!(!out.contains(&sealed) && out.contains("ada"), "{out}");
}
