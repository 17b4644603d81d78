//! Trust across the request path, over real HTTP.
//!
//! - A route's rules hold whatever ran before it in the same request: an `AuthLayer`, an
//!   `Auth::enforce` middleware or an extractor with weaker rules never lends its verification
//!   to a `#[protect]` route that asks for more, and a guard's own token is the one its
//!   handler's extractors see. Every order: layer then guard, `enforce` then guard, extractor
//!   then guard, guard then extractor.
//! - Every token implicit refresh re-issues belongs to a family that one logout ends.

use authx::layer::AuthLayer;
use authx::{Auth, AuthConfig, Claims, FreshClaims, RefreshClaims, Rules, TokenLocation, protect};
use authx_tests::{TestServer, assert_error, client, status_json};
use axum::Extension;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

const SECRET: &str = "layered-rules-test-secret-0123456789abcdef";

fn config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key(SECRET)
        .token_locations([TokenLocation::Cookies, TokenLocation::Headers])
        .cookie_secure(false)
        .build()
}

#[protect(access, route = "POST /csrf-checked")]
async fn csrf_checked(claims: Claims) -> String {
    claims.sub
}

#[protect(access, locations = [headers], route = "GET /headers-only")]
async fn headers_only(claims: Claims) -> String {
    claims.sub
}

#[protect(access, locations = [headers], route = "GET /headers-only-extension")]
async fn headers_only_extension(Extension(claims): Extension<Claims>) -> String {
    claims.sub
}

#[protect(access, locations = [headers], route = "GET /fresh-after-guard")]
async fn fresh_after_guard(claims: FreshClaims) -> String {
    claims.0.sub
}

#[protect(access, locations = [headers], route = "POST /refresh-after-guard")]
async fn refresh_after_guard(claims: RefreshClaims) -> String {
    claims.0.sub
}

fn routes() -> Router<Auth> {
    Router::new()
        .route("/csrf-checked", post(csrf_checked))
        .route("/headers-only", get(headers_only))
        .route("/fresh-after-guard", get(fresh_after_guard))
        .route("/refresh-after-guard", post(refresh_after_guard))
        // The weaker rules' own route: what ran before is allowed to pass there.
        .route("/layer-only", post(|c: Claims| async move { c.sub }))
}

/// A cookie token and its CSRF value.
fn cookie_token(auth: &Auth, sub: &str) -> (String, String) {
    let token = auth.tokens().access(sub).csrf(true).issue().unwrap();
    let csrf = auth.verify(&token).unwrap().csrf.expect("a csrf claim");
    (token, csrf)
}

async fn send(
    req: reqwest::RequestBuilder,
    cookie: Option<&str>,
    bearer: Option<&str>,
) -> (u16, String) {
    let mut req = req;
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(b) = bearer {
        req = req.header("authorization", format!("Bearer {b}"));
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The checks every "something weaker ran first" app must pass: the route's CSRF and its
/// locations hold, and the weaker check's own route still works as it says.
async fn route_rules_hold(s: &TestServer, auth: &Auth) {
    let (token, csrf) = cookie_token(auth, "ada");
    let cookie = format!("access_token_cookie={token}");

    // Before it: a cookie POST without the CSRF header passes the weaker rules...
    let (status, body) = send(client().post(s.url("/layer-only")), Some(&cookie), None).await;
    assert_eq!((status, body.as_str()), (200, "ada"));
    // ...but not the route that checks CSRF.
    let (status, body) = send(client().post(s.url("/csrf-checked")), Some(&cookie), None).await;
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_error(status, &body, 401, "MissingCSRFTokenError");
    let (status, _) = send(
        client()
            .post(s.url("/csrf-checked"))
            .header("x-csrf-token", &csrf),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(status, 200, "with its CSRF header the cookie token is fine");

    // A headers-only route refuses the cookie token the check before it accepted.
    let (status, body) = send(client().get(s.url("/headers-only")), Some(&cookie), None).await;
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_error(status, &body, 401, "MissingTokenError");
    // And with both, it takes the header's token, not the cookie's.
    let bob = auth.tokens().create_access("bob").unwrap();
    let (status, body) = send(
        client().get(s.url("/headers-only")),
        Some(&cookie),
        Some(&bob),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "bob"));
}

#[tokio::test]
async fn layer_then_guard() {
    let auth = Auth::new(config()).unwrap();
    let weak = Rules::builder().without_csrf().build().unwrap();
    let app = routes()
        .route("/headers-only-extension", get(headers_only_extension))
        .layer(AuthLayer::new(auth.clone()).rules(weak))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    route_rules_hold(&s, &auth).await;
    // The layer put its (cookie) token in the extensions; the route took the header's, and
    // that is what its handler's `Extension<Claims>` holds too.
    let (ada, _) = cookie_token(&auth, "ada");
    let bob = auth.tokens().create_access("bob").unwrap();
    let (status, body) = send(
        client().get(s.url("/headers-only-extension")),
        Some(&format!("access_token_cookie={ada}")),
        Some(&bob),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "bob"));
}

async fn enforce_weak(State(auth): State<Auth>, req: Request, next: Next) -> Response {
    static WEAK: std::sync::LazyLock<Rules> =
        std::sync::LazyLock::new(|| Rules::builder().without_csrf().build().unwrap());
    let (mut parts, body) = req.into_parts();
    if let Err(e) = auth.enforce(&mut parts, &WEAK).await {
        return e.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

#[tokio::test]
async fn enforce_then_guard() {
    let auth = Auth::new(config()).unwrap();
    let app = routes()
        .layer(middleware::from_fn_with_state(auth.clone(), enforce_weak))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    route_rules_hold(&s, &auth).await;
}

/// A middleware that reads `Claims` (the plain extractor's rules: configured locations, CSRF
/// only on unsafe methods) before the route runs.
async fn extract_first(State(auth): State<Auth>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    match <Claims as FromRequestParts<Auth>>::from_request_parts(&mut parts, &auth).await {
        Ok(_) => next.run(Request::from_parts(parts, body)).await,
        Err(e) => e.into_response(),
    }
}

#[tokio::test]
async fn extractor_then_guard() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route("/headers-only", get(headers_only))
        .route("/after-extractor", get(|c: Claims| async move { c.sub }))
        .layer(middleware::from_fn_with_state(auth.clone(), extract_first))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let (token, _) = cookie_token(&auth, "ada");
    let cookie = format!("access_token_cookie={token}");
    let (status, body) = send(client().get(s.url("/after-extractor")), Some(&cookie), None).await;
    assert_eq!((status, body.as_str()), (200, "ada"));
    let (status, body) = send(client().get(s.url("/headers-only")), Some(&cookie), None).await;
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_error(status, &body, 401, "MissingTokenError");
}

#[tokio::test]
async fn guard_then_extractor() {
    let auth = Auth::new(config()).unwrap();
    let app = routes().with_state(auth.clone());
    let s = TestServer::start(app).await;
    let stale = auth.tokens().create_access("ada").unwrap();

    // The guard lets a non-fresh token through; `FreshClaims` still asks for a fresh one.
    let res = client()
        .get(s.url("/fresh-after-guard"))
        .bearer_auth(&stale)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "FreshTokenRequiredError");
    let fresh = auth.tokens().access("ada").fresh(true).issue().unwrap();
    let res = client()
        .get(s.url("/fresh-after-guard"))
        .bearer_auth(&fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // `RefreshClaims` after an access guard: its own token, found by its own rules (the
    // refresh cookie, CSRF-checked on a POST).
    let pair = auth.tokens().pair("ada").issue().unwrap();
    let refresh_csrf = auth.verify(&pair.refresh_token).unwrap().csrf;
    let cookie = format!("refresh_token_cookie={}", pair.refresh_token);
    let (status, body) = send(
        client().post(s.url("/refresh-after-guard")),
        Some(&cookie),
        Some(&stale),
    )
    .await;
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_error(status, &body, 401, "MissingCSRFTokenError");
    let mut req = client().post(s.url("/refresh-after-guard"));
    if let Some(csrf) = &refresh_csrf {
        req = req.header("x-csrf-token", csrf);
    }
    let (status, body) = send(req, Some(&cookie), Some(&stale)).await;
    assert_eq!((status, body.as_str()), (200, "ada"));
}

// ----- implicit refresh from the access token: one family per chain -----------------------

#[tokio::test]
async fn access_token_refresh_chains_end_with_one_logout() {
    use authx::layer::{ImplicitRefreshLayer, RefreshSource};
    use std::time::Duration;

    let auth = Auth::new(config()).unwrap();
    // A window wider than the token's life: every request renews, as a thief's script would.
    let app = Router::new()
        .route("/whoami", get(|c: Claims| async move { c.sub }))
        .layer(
            ImplicitRefreshLayer::new(auth.clone())
                .source(RefreshSource::AccessToken)
                .window(Duration::from_secs(24 * 3600)),
        )
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let renew = |token: String| {
        let url = s.url("/whoami");
        async move {
            let res = client()
                .get(url)
                .header("cookie", format!("access_token_cookie={token}"))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let renewed = res
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|c| c.strip_prefix("access_token_cookie="))
                .map(|c| c.split(';').next().unwrap().to_owned())
                .filter(|c| !c.is_empty());
            (status, renewed)
        }
    };

    // A login's token issued alone, without a session or pair: no `sid`.
    let victim = auth.tokens().access("ada").fresh(true).issue().unwrap();
    let victim_claims = auth.verify(&victim).unwrap();
    assert_eq!(victim_claims.sid, None);

    // A thief with a copy keeps it alive: two renewals.
    let (status, stolen1) = renew(victim.clone()).await;
    let stolen1 = stolen1.expect("renewed");
    assert_eq!(status, 200);
    let (_, stolen2) = renew(stolen1.clone()).await;
    let stolen2 = stolen2.expect("renewed again");
    let family = auth.verify(&stolen2).unwrap().sid;
    assert_eq!(
        family.as_deref(),
        Some(victim_claims.jti.as_str()),
        "re-issued tokens join the family the first token founds"
    );

    // The victim logs out with the token they hold.
    auth.sessions().logout(&victim_claims).await.unwrap();
    for token in [&victim, &stolen1, &stolen2] {
        let (status, renewed) = renew(token.clone()).await;
        assert_eq!(status, 401, "every copy of the chain is logged out");
        assert!(renewed.is_none(), "and none is renewed");
    }

    // The same from the other end: a logout with a re-issued copy ends the first token too.
    let victim = auth.tokens().access("bob").fresh(true).issue().unwrap();
    let (_, copy) = renew(victim.clone()).await;
    let copy = copy.expect("renewed");
    let (_, thief) = renew(victim.clone()).await;
    let thief = thief.expect("renewed");
    auth.sessions()
        .logout(&auth.verify(&copy).unwrap())
        .await
        .unwrap();
    for token in [&victim, &copy, &thief] {
        assert_eq!(renew(token.clone()).await.0, 401);
    }
}

// ----- the session cap keeps the login that just happened ---------------------------------

#[tokio::test]
async fn the_session_cap_never_ends_the_session_just_created() {
    // Every login in the same second: sessions then sort by their random ids, and the new one
    // is as likely as not to be among the "oldest".
    let clock = authx::clock::ManualClock::starting_now();
    let auth = Auth::builder(
        AuthConfig::builder()
            .secret_key(SECRET)
            .max_sessions_per_subject(1)
            .build(),
    )
    .clock(clock.clone())
    .build()
    .unwrap();
    let mut previous: Option<String> = None;
    for _ in 0..20 {
        let session = auth
            .sessions()
            .create("ada", authx::SessionMeta::default())
            .await
            .unwrap();
        let token = auth
            .tokens()
            .access("ada")
            .session(&session.id)
            .issue()
            .unwrap();
        assert!(
            auth.verify_unrevoked(&token).await.is_ok(),
            "the new login's token is live"
        );
        if let Some(old) = previous.replace(token) {
            assert!(
                auth.verify_unrevoked(&old).await.is_err(),
                "the older session is the one the cap ends"
            );
        }
    }
}

// ----- AuthLayer counts per route and says so ---------------------------------------------

#[tokio::test]
async fn an_auth_layer_limits_each_route_apart_and_sends_its_headers() {
    let auth = Auth::new(config()).unwrap();
    let limited = Rules::builder()
        .rate("2/60s", authx::guard::RateKeyRule::Subject)
        .build()
        .unwrap();
    let app = Router::new()
        .route("/a", get(|c: Claims| async move { c.sub }))
        .route("/b/{id}", get(|c: Claims| async move { c.sub }))
        .layer(AuthLayer::new(auth.clone()).rules(limited))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let token = auth.tokens().create_access("ada").unwrap();
    let get = |path: &str| client().get(s.url(path)).bearer_auth(&token).send();

    for remaining in ["1", "0"] {
        let res = get("/a").await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["ratelimit-limit"], "2");
        assert_eq!(res.headers()["ratelimit-remaining"], remaining);
    }
    let res = get("/a").await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // Another route has a bucket of its own, counted per template (not per raw path).
    for id in ["1", "2"] {
        let res = get(&format!("/b/{id}")).await.unwrap();
        assert_eq!(res.status(), 200, "/b/{id}");
    }
    assert_eq!(get("/b/3").await.unwrap().status(), 429);
}

// ----- CSRF: two empty values are not a double submit -------------------------------------

/// A cookie token whose `csrf` claim is empty (Python AuthX writes `""` when cookies are not a
/// location) never passes the double submit, not even with an empty `X-CSRF-TOKEN` header.
#[tokio::test]
async fn an_empty_csrf_claim_and_an_empty_header_do_not_match() {
    let auth = Auth::new(config()).unwrap();
    let s = TestServer::start(routes().with_state(auth.clone())).await;
    let token = auth.tokens().access("ada").csrf_value("").issue().unwrap();
    let post = |csrf: &'static str| {
        client()
            .post(s.url("/csrf-checked"))
            .header("cookie", format!("access_token_cookie={token}"))
            .header("x-csrf-token", csrf)
            .send()
    };
    let (status, body) = status_json(post("").await.unwrap()).await;
    assert_error(status, &body, 401, "MissingCSRFTokenError");
    let (status, body) = status_json(post("anything").await.unwrap()).await;
    assert_error(status, &body, 401, "CSRFError");
}
