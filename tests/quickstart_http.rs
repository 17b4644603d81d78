//! Every route of the quickstart service over real HTTP, run against both versions of it: the
//! attribute style (`examples/quickstart.rs`) and the manual extractor style
//! (`examples/manual.rs`). Same routes, same answers.

#[path = "../examples/manual.rs"]
#[allow(dead_code)]
mod manual;

#[path = "../examples/quickstart.rs"]
#[allow(dead_code)]
mod quickstart;

use authx::{Auth, AuthConfig, TokenLocation};
use authx_examples::demo::Users;
use authx_tests::{
    TestServer, assert_error, client, cookie_client, get_bearer, login, login_as, status_json,
};
use axum::Router;
use serde_json::json;

type Build = fn(Auth, Users) -> Router;

fn config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key("quickstart-test-secret-0123456789abcdef")
        .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
        .cookie_secure(false)
        .build()
}

async fn start(build: Build) -> (TestServer, Auth) {
    let auth = Auth::new(config()).unwrap();
    (
        TestServer::start(build(auth.clone(), Users::demo())).await,
        auth,
    )
}

async fn home_is_public(build: Build) {
    let (s, _) = start(build).await;
    let (status, body) = status_json(client().get(s.url("/")).send().await.unwrap()).await;
    assert_eq!(
        (status, body),
        (200, json!({"message": "Welcome to AuthX"}))
    );
}

async fn login_returns_a_fresh_pair_and_refuses_bad_credentials(build: Build) {
    let (s, auth) = start(build).await;
    let pair = login(&s, "user1", "password1").await;
    assert_eq!(pair["token_type"], "bearer");
    let access = auth.verify(pair["access_token"].as_str().unwrap()).unwrap();
    assert!(access.fresh);
    assert_eq!(access.scopes(), ["users:read"]);
    let refresh = auth
        .verify(pair["refresh_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(refresh.token_type, authx::TokenType::Refresh);
    for (u, p) in [("user1", "wrong"), ("nobody", "password1"), ("admin", "")] {
        let res = client()
            .post(s.url("/login"))
            .json(&json!({"username": u, "password": p}))
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(res).await;
        assert_error(status, &body, 401, "InvalidCredentialsError");
    }
}

async fn protected_profile_fresh_admin(build: Build) {
    let (s, _) = start(build).await;
    let pair = login(&s, "user1", "password1").await;
    let access = pair["access_token"].as_str().unwrap();
    let (status, body) = get_bearer(&s, "/protected", access).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"message": "Access granted", "username": "user1", "email": "user1@example.com"})
    );
    let (status, body) = get_bearer(&s, "/profile", access).await;
    assert_eq!(status, 200);
    assert_eq!(body["sub"], "user1");
    assert_eq!(body["type"], "access");
    assert_eq!(body["scopes"], json!(["users:read"]));
    assert_eq!(get_bearer(&s, "/fresh", access).await.0, 200);
    let (status, body) = get_bearer(&s, "/admin", access).await;
    assert_error(status, &body, 403, "InsufficientScopeError");
    let admin = login(&s, "admin", "admin").await;
    assert_eq!(
        get_bearer(&s, "/admin", admin["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    let (status, body) = status_json(client().get(s.url("/protected")).send().await.unwrap()).await;
    assert_error(status, &body, 401, "MissingTokenError");
}

async fn refresh_gives_a_non_fresh_access_token(build: Build) {
    let (s, auth) = start(build).await;
    let pair = login(&s, "user1", "password1").await;
    let refresh = pair["refresh_token"].as_str().unwrap();
    let res = client()
        .post(s.url("/refresh"))
        .bearer_auth(refresh)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap();
    let claims = auth.verify(access).unwrap();
    assert!(!claims.fresh);
    assert_eq!(claims.scopes(), ["users:read"]);
    assert_eq!(get_bearer(&s, "/protected", access).await.0, 200);
    let (status, body) = get_bearer(&s, "/fresh", access).await;
    assert_error(status, &body, 401, "FreshTokenRequiredError");
    // An access token is not a refresh token, and the reverse.
    let res = client()
        .post(s.url("/refresh"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "RefreshTokenRequiredError");
    let (status, body) = get_bearer(&s, "/protected", refresh).await;
    assert_error(status, &body, 401, "AccessTokenRequiredError");
}

async fn logout_revokes_only_the_presented_token(build: Build) {
    let (s, _) = start(build).await;
    let a = login(&s, "user1", "password1").await;
    let b = login(&s, "user1", "password1").await;
    let (ta, tb) = (
        a["access_token"].as_str().unwrap(),
        b["access_token"].as_str().unwrap(),
    );
    let res = client()
        .post(s.url("/logout"))
        .bearer_auth(ta)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, body) = get_bearer(&s, "/protected", ta).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    assert_eq!(get_bearer(&s, "/protected", tb).await.0, 200);
}

async fn cookie_flow_with_csrf(build: Build) {
    let (s, _) = start(build).await;
    let browser = cookie_client();
    let res = browser
        .post(s.url("/cookie/login"))
        .json(&json!({"username": "user1", "password": "password1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let set: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let find = |name: &str| {
        set.iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {set:?}"))
    };
    assert!(find("access_token_cookie").contains("HttpOnly"));
    assert!(find("refresh_token_cookie").contains("HttpOnly"));
    let csrf_cookie = find("csrf_access_token");
    assert!(
        !csrf_cookie.contains("HttpOnly"),
        "scripts must read the CSRF cookie"
    );
    let csrf = csrf_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();

    let (status, body) = status_json(
        browser
            .get(s.url("/cookie/protected"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &body["username"]), (200, &json!("user1")));
    let (status, body) = status_json(
        browser
            .post(s.url("/cookie/protected"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "MissingCSRFTokenError");
    let res = browser
        .post(s.url("/cookie/protected"))
        .header("X-CSRF-TOKEN", "forged")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "CSRFError");
    let res = browser
        .post(s.url("/cookie/protected"))
        .header("X-CSRF-TOKEN", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let res = browser
        .post(s.url("/cookie/logout"))
        .header("X-CSRF-TOKEN", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cleared: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cleared.len(), 4, "{cleared:?}");
    assert!(
        cleared.iter().all(|c| c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    let (status, body) = status_json(
        browser
            .get(s.url("/cookie/protected"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "MissingTokenError");
}

macro_rules! suite {
    ($module:ident, $build:path) => {
        mod $module {
            use super::*;
            #[tokio::test]
            async fn home_is_public() {
                super::home_is_public($build).await
            }
            #[tokio::test]
            async fn login_returns_a_fresh_pair_and_refuses_bad_credentials() {
                super::login_returns_a_fresh_pair_and_refuses_bad_credentials($build).await
            }
            #[tokio::test]
            async fn protected_profile_fresh_admin() {
                super::protected_profile_fresh_admin($build).await
            }
            #[tokio::test]
            async fn refresh_gives_a_non_fresh_access_token() {
                super::refresh_gives_a_non_fresh_access_token($build).await
            }
            #[tokio::test]
            async fn logout_revokes_only_the_presented_token() {
                super::logout_revokes_only_the_presented_token($build).await
            }
            #[tokio::test]
            async fn cookie_flow_with_csrf() {
                super::cookie_flow_with_csrf($build).await
            }
        }
    };
}

suite!(manual_style, manual::app);
suite!(attribute_style, quickstart::app);

#[tokio::test]
async fn me_loads_the_subject_and_a_deleted_user_gets_401() {
    let (s, _) = start(quickstart::app).await;
    let pair = login(&s, "user1", "password1").await;
    let access = pair["access_token"].as_str().unwrap();
    let (status, body) = get_bearer(&s, "/me", access).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"username": "user1", "email": "user1@example.com", "scopes": ["users:read"]})
    );
    let (status, body) = status_json(client().get(s.url("/me")).send().await.unwrap()).await;
    assert_error(status, &body, 401, "MissingTokenError");
    let res = client()
        .delete(s.url("/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, body) = get_bearer(&s, "/me", access).await;
    assert_error(status, &body, 401, "SubjectNotFoundError");
    // The token itself is still valid: only the subject is gone.
    assert_eq!(get_bearer(&s, "/protected", access).await.0, 200);
}

#[test]
fn the_registry_lists_every_quickstart_route() {
    let entries = authx::registry::entries();
    let route = |r: &str| {
        entries
            .iter()
            .find(|e| e.route == Some(r))
            .unwrap_or_else(|| panic!("{r} not registered"))
    };
    assert!(route("GET /").is_public());
    assert!(route("POST /login").is_public());
    let admin = route("GET /admin").rules().unwrap();
    assert_eq!(admin.scopes, ["admin:*"]);
    assert!(route("GET /fresh").rules().unwrap().fresh);
    assert_eq!(
        route("POST /refresh").rules().unwrap().token_type,
        authx::TokenType::Refresh
    );
    let table = authx::registry::audit_table();
    for needle in [
        "GET /admin",
        "all: admin:*",
        "POST /refresh",
        "refresh",
        "public",
        "quickstart.rs:",
    ] {
        assert!(table.contains(needle), "{needle} missing from\n{table}");
    }
}

#[tokio::test]
async fn sessions_are_listed_revoked_and_isolated_between_users() {
    let (s, auth) = start(quickstart::app).await;
    let laptop = login_as(
        &s,
        "user1",
        "password1",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
    )
    .await;
    let phone = login_as(&s, "user1", "password1", "curl/8.5.0").await;
    let other = login_as(&s, "user2", "password2", "curl/8.5.0").await;
    let laptop_access = laptop["access_token"].as_str().unwrap();
    let phone_access = phone["access_token"].as_str().unwrap();
    let (status, list) = get_bearer(&s, "/sessions", laptop_access).await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list.iter().filter(|x| x["current"] == true).count(), 1);
    assert!(
        list.iter()
            .any(|x| x["device"] == "Firefox on Linux" && x["ip"] == "127.0.0.1")
    );
    let phone_sid = auth.verify(phone_access).unwrap().sid.unwrap();
    let other_sid = auth
        .verify(other["access_token"].as_str().unwrap())
        .unwrap()
        .sid
        .unwrap();

    // Another user's session: 404, and it stays alive.
    let res = client()
        .delete(s.url(&format!("/sessions/{other_sid}")))
        .bearer_auth(laptop_access)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 404, "SessionNotFoundError");
    assert_eq!(
        get_bearer(&s, "/protected", other["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );

    // Revoking the phone's session refuses its access and refresh tokens at once.
    let res = client()
        .delete(s.url(&format!("/sessions/{phone_sid}")))
        .bearer_auth(laptop_access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, body) = get_bearer(&s, "/protected", phone_access).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    let res = client()
        .post(s.url("/refresh"))
        .bearer_auth(phone["refresh_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    assert_eq!(get_bearer(&s, "/protected", laptop_access).await.0, 200);

    // Revoke-all keeping the current session, then everything.
    let tablet = login_as(&s, "user1", "password1", "curl/8.5.0").await;
    let res = client()
        .post(s.url("/sessions/revoke-all?keep_current=true"))
        .bearer_auth(laptop_access)
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(res).await.1["revoked"], 1);
    assert_eq!(
        get_bearer(&s, "/protected", tablet["access_token"].as_str().unwrap())
            .await
            .0,
        401
    );
    assert_eq!(get_bearer(&s, "/protected", laptop_access).await.0, 200);
    let res = client()
        .post(s.url("/sessions/revoke-all"))
        .bearer_auth(laptop_access)
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(res).await.1["revoked"], 1);
    assert_eq!(get_bearer(&s, "/protected", laptop_access).await.0, 401);
}

/// One page of `GET path` as `token`: the session ids, how many are `current`, and the path of
/// the `Link: <...>; rel="next"` header, if any.
async fn sessions_page(
    s: &TestServer,
    path: &str,
    token: &str,
) -> (Vec<String>, usize, Option<String>) {
    let res = client()
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let link = res
        .headers()
        .get(reqwest::header::LINK)
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = status_json(res).await;
    assert_eq!(status, 200, "{path}: {body}");
    let page = body.as_array().unwrap();
    let ids = page
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    let current = page.iter().filter(|x| x["current"] == true).count();
    let next = link.map(|l| {
        let (target, rel) = l.split_once("; ").unwrap();
        assert_eq!(rel, "rel=\"next\"", "{l}");
        target
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .unwrap()
            .to_owned()
    });
    (ids, current, next)
}

/// Every page from `first`, following `Link: rel="next"` to the end: the ids in order, the
/// number of pages, how many sessions were `current`, and every link followed.
async fn all_pages(
    s: &TestServer,
    first: &str,
    token: &str,
) -> (Vec<String>, usize, usize, Vec<String>) {
    let (mut ids, mut pages, mut current, mut links) = (Vec::new(), 0, 0, Vec::new());
    let mut path = Some(first.to_owned());
    while let Some(p) = path {
        let (page, c, next) = sessions_page(s, &p, token).await;
        assert!(!page.is_empty() || pages == 0, "an empty page after {p}");
        ids.extend(page);
        current += c;
        pages += 1;
        assert!(pages <= 200, "the pages never end");
        links.extend(next.clone());
        path = next;
    }
    (ids, pages, current, links)
}

#[tokio::test]
async fn sessions_are_listed_a_page_at_a_time_by_following_the_link_header() {
    let mut config = config();
    config.max_sessions_per_subject = 200;
    let auth = Auth::new(config).unwrap();
    let s = TestServer::start(quickstart::app(auth.clone(), Users::demo())).await;
    let mut sids = Vec::new();
    let mut access = String::new();
    for agent in ["laptop", "phone", "tablet", "tv", "watch"] {
        let pair = login_as(&s, "user1", "password1", agent).await;
        access = pair["access_token"].as_str().unwrap().to_owned();
        sids.push(auth.verify(&access).unwrap().sid.unwrap());
    }
    let other = login_as(&s, "user2", "password2", "curl/8.5.0").await;
    let other_sid = auth
        .verify(other["access_token"].as_str().unwrap())
        .unwrap()
        .sid
        .unwrap();

    // Pages of two, the `Link` header followed to the end: every session exactly once, the
    // current one marked, the other user's absent.
    let (mut ids, pages, current, links) = all_pages(&s, "/sessions?limit=2", &access).await;
    ids.sort();
    sids.sort();
    assert_eq!(ids, sids, "every session exactly once");
    assert_eq!(pages, 3, "2 + 2 + 1");
    assert_eq!(current, 1);
    assert!(!ids.contains(&other_sid));
    assert_eq!(links.len(), 2);
    assert!(
        links
            .iter()
            .all(|l| l.starts_with("/sessions?limit=2&after=")),
        "{links:?}"
    );

    // Past `MAX_SESSION_PAGE` sessions, an over-large `limit` is clamped to it, and its `Link`
    // says so; a `limit` of 0 is one.
    for _ in 0..authx::MAX_SESSION_PAGE {
        auth.sessions()
            .create("user1", authx::SessionMeta::default())
            .await
            .unwrap();
    }
    let total = authx::MAX_SESSION_PAGE + sids.len();
    let (first, _, next) = sessions_page(&s, "/sessions?limit=100000", &access).await;
    assert_eq!(first.len(), authx::MAX_SESSION_PAGE, "clamped");
    let next = next.expect("a next page");
    assert!(
        next.starts_with(&format!("/sessions?limit={}&", authx::MAX_SESSION_PAGE)),
        "{next}"
    );
    let (ids, pages, _, _) = all_pages(&s, "/sessions?limit=100000", &access).await;
    assert_eq!((ids.len(), pages), (total, 2));
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), total, "no session twice");
    assert!(sids.iter().all(|id| unique.contains(id)));
    let (one, _, next) = sessions_page(&s, "/sessions?limit=0", &access).await;
    assert_eq!(one.len(), 1);
    assert!(next.unwrap().starts_with("/sessions?limit=1&after="));
    let (ids, ..) = all_pages(&s, "/sessions", &access).await;
    assert_eq!(ids.len(), total, "default pages reach every session too");

    // A cursor that is not one, or a limit that is not a number: a 400 with a JSON body.
    for (query, error_type) in [
        ("after=garbage", "InvalidCursorError"),
        ("after=", "InvalidCursorError"),
        ("limit=2&after=12.a%20b", "InvalidCursorError"),
        ("limit=2&after=x.y", "InvalidCursorError"),
        ("limit=lots", "InvalidQueryError"),
        ("limit=-1", "InvalidQueryError"),
    ] {
        let res = client()
            .get(s.url(&format!("/sessions?{query}")))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(res).await;
        assert_error(status, &body, 400, error_type);
    }
    // Without a token, still a 401 first.
    let (status, body) = status_json(
        client()
            .get(s.url("/sessions?after=garbage"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "MissingTokenError");
}

#[tokio::test]
async fn refresh_rotation_detects_reuse_and_revokes_the_family() {
    let (s, _) = start(quickstart::app).await;
    let pair = login(&s, "user1", "password1").await;
    let old_refresh = pair["refresh_token"].as_str().unwrap();
    let res = client()
        .post(s.url("/refresh"))
        .bearer_auth(old_refresh)
        .send()
        .await
        .unwrap();
    let (status, rotated) = status_json(res).await;
    assert_eq!(status, 200, "{rotated}");
    let new_refresh = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(
        get_bearer(&s, "/protected", rotated["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    // A thief replays the old refresh token: refused, and the whole session dies.
    let res = client()
        .post(s.url("/refresh"))
        .bearer_auth(old_refresh)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "RefreshTokenReusedError");
    let res = client()
        .post(s.url("/refresh"))
        .bearer_auth(new_refresh)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        401,
        "the legitimate holder's newer refresh token is revoked too"
    );
    assert_eq!(
        get_bearer(&s, "/protected", rotated["access_token"].as_str().unwrap())
            .await
            .0,
        401
    );
    assert_eq!(
        get_bearer(&s, "/protected", pair["access_token"].as_str().unwrap())
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn limited_and_login_are_rate_limited_per_ip() {
    let (s, _) = start(quickstart::app).await;
    let c = client();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            c.get(s.url("/limited"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    let res = c.get(s.url("/limited")).send().await.unwrap();
    assert!(res.headers().contains_key("retry-after"));
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 429, "RateLimitExceeded");
    // Ten login attempts a minute per IP, right or wrong.
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let res = c
            .post(s.url("/login"))
            .json(&json!({"username": "admin", "password": "guess"}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses[..10], [401; 10]);
    assert_eq!(statuses[10], 429);
}

#[tokio::test]
async fn ws_echoes_with_the_subject() {
    use futures_util::{SinkExt, StreamExt};
    let (s, _) = start(quickstart::app).await;
    let pair = login(&s, "user1", "password1").await;
    let url = format!(
        "ws://{}/ws?token={}",
        s.addr,
        pair["access_token"].as_str().unwrap()
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("upgrade");
    socket
        .send(tokio_tungstenite::tungstenite::Message::text("ping"))
        .await
        .unwrap();
    assert_eq!(
        socket
            .next()
            .await
            .unwrap()
            .unwrap()
            .into_text()
            .unwrap()
            .as_str(),
        "user1: ping"
    );
    assert!(
        tokio_tungstenite::connect_async(format!("ws://{}/ws", s.addr))
            .await
            .is_err(),
        "no token, no socket"
    );
}

/// The route audit an app adds to its own tests (the README's one line): every guarded route
/// of the quickstart refuses what it must, and the rate-limited public ones limit.
#[tokio::test]
async fn the_route_audit_passes() {
    let auth = Auth::new(config()).unwrap();
    let app = quickstart::app(auth.clone(), Users::demo());
    let report = authx::testing::audit_routes(&app, &auth).await;
    report.assert_ok();
    assert!(report.routes().len() >= 15, "{report}");
    assert!(report.unprobed().is_empty(), "{report}");
}

/// The sum of the samples of `metric` whose labels include every one of `labels`.
fn sample(text: &str, metric: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// `GET /metrics` (Prometheus text) counts the decisions after some traffic, and no label
/// carries a token or a subject.
#[tokio::test]
async fn metrics_count_decisions_without_tokens_or_subjects() {
    let (s, _) = start(quickstart::app).await;
    let scrape = || async {
        let res = client().get(s.url("/metrics")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    };
    let before = scrape().await;
    let pair = login(&s, "user1", "password1").await;
    let access = pair["access_token"].as_str().unwrap();
    for _ in 0..3 {
        assert_eq!(get_bearer(&s, "/protected", access).await.0, 200);
    }
    for _ in 0..2 {
        assert_eq!(get_bearer(&s, "/admin", access).await.0, 403);
    }
    assert_eq!(
        client()
            .get(s.url("/protected"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let after = scrape().await;
    let delta = |labels: &[&str]| {
        sample(&after, "authx_decisions_total", labels)
            - sample(&before, "authx_decisions_total", labels)
    };
    let protected = "route=\"quickstart_http::quickstart::protected\"";
    let admin = "route=\"quickstart_http::quickstart::admin\"";
    assert!(delta(&[protected, "outcome=\"allowed\""]) >= 3.0, "{after}");
    assert!(
        delta(&[protected, "error_type=\"MissingTokenError\""]) >= 1.0,
        "{after}"
    );
    assert!(
        delta(&[admin, "error_type=\"InsufficientScopeError\""]) >= 2.0,
        "{after}"
    );
    assert!(
        sample(&after, "authx_decision_seconds_count", &[]) > 0.0,
        "{after}"
    );
    // In-process (memory) store calls are not timed: two clock reads cost more than the call.
    assert!(!after.contains("authx_store_call_seconds"), "{after}");
    // The access token, verified five times, is in the verified-token cache (an HMAC token is
    // kept from its second verification), and the gauges say so.
    let gauge = |name: &str| -> f64 {
        after
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {after}"))
    };
    assert!(gauge("authx_verify_cache_entries") >= 1.0, "{after}");
    assert!(gauge("authx_verify_cache_bytes") >= 250.0, "{after}");
    for secret in [access, pair["refresh_token"].as_str().unwrap(), "user1"] {
        assert!(!after.contains(secret), "{secret:?} in a label");
    }
}
