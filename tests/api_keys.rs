//! API keys over real HTTP: `#[protect(api_key)]`, routes taking a bearer token or a key, and
//! every refusal a key can meet, each as a request and its answer.

#[path = "../examples/quickstart.rs"]
#[allow(dead_code)]
mod quickstart;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use authx::api_key::IssuedApiKey;
use authx::clock::ManualClock;
use authx::{Auth, AuthConfig, Claims, Credential, Principal, Stores};
use authx::{protect, routes};
use authx_examples::demo::Users;
use authx_tests::api_keys::{CountingKeys, redis_stores, redis_url};
use authx_tests::{TestServer, client, get_bearer, login};
use axum::Json;
use serde_json::{Value, json};

const SECRET: &str = "api-key-test-secret-0123456789abcdef0123";
const PEPPER: &str = "api-key-test-pepper-0123456789abcdef0123";

/// The routes under test (their own module, so the route audit can be narrowed to them).
mod key_routes {
    use super::*;

    #[protect(api_key, scopes = "reports:read", route = "GET /reports")]
    pub async fn reports(principal: Principal) -> Json<Value> {
        let Credential::ApiKey { id, name, service } = &principal.credential else {
            return Json(json!({ "credential": "bearer" }));
        };
        Json(json!({ "sub": principal.subject(), "key": id, "name": name, "service": service }))
    }

    #[protect(
        credentials = "bearer | api_key",
        scopes = "reports:read",
        route = "GET /either"
    )]
    pub async fn either(principal: Principal) -> Json<Value> {
        Json(json!({ "sub": principal.subject(), "api_key": principal.is_api_key() }))
    }

    #[protect(api_key, rate = "2/60s", rate_key = "api_key", route = "GET /limited")]
    pub async fn limited(claims: Claims) -> String {
        claims.sub
    }

    #[protect(
        api_key,
        scopes = "reports:read",
        rate = "100/60s",
        rate_key = "api_key",
        route = "GET /metered"
    )]
    pub async fn metered(claims: Claims) -> String {
        claims.sub
    }

    #[protect(route = "GET /bearer_only")]
    pub async fn bearer_only(claims: Claims) -> String {
        claims.sub
    }
}

struct App {
    auth: Auth,
    clock: ManualClock,
    lookups: Arc<AtomicUsize>,
    server: TestServer,
}

async fn app(failed_lookups: &str) -> App {
    let clock = ManualClock::starting_now();
    let mut stores = Stores::memory_with_clock(Arc::new(clock.clone()));
    // Counts lookups (to show a mistyped key costs none).
    let lookups = CountingKeys::wrap(&mut stores, Duration::ZERO);
    let mut config = AuthConfig::builder()
        .secret_key(SECRET)
        .api_key_pepper(PEPPER)
        .api_key_prefix("acme_test")
        .build();
    config.api_keys.failed_lookups = failed_lookups.into();
    let auth = Auth::builder(config)
        .clock(clock.clone())
        .stores(stores)
        .build()
        .unwrap();
    let router = routes![
        key_routes::reports,
        key_routes::either,
        key_routes::limited,
        key_routes::bearer_only
    ]
    .with_state(auth.clone());
    App {
        auth,
        clock,
        lookups,
        server: TestServer::start(router).await,
    }
}

async fn send(app: &App, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = client().get(app.server.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn error_type(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["error_type"].as_str().unwrap_or(""))
}

async fn key(app: &App, scopes: &[&str]) -> authx::api_key::IssuedApiKey {
    app.auth
        .api_keys()
        .create("user-7")
        .name("nightly export")
        .scopes(scopes.iter().copied())
        .issue()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_valid_key_reaches_the_handler_as_an_api_key_principal() {
    let app = app("20/60s").await;
    let issued = key(&app, &["reports:*"]).await;
    for header in [
        ("x-api-key", issued.key().to_owned()),
        ("authorization", format!("ApiKey {}", issued.key())),
    ] {
        let (status, body) = send(&app, "/reports", &[(header.0, &header.1)]).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["sub"], "user-7");
        assert_eq!(body["key"], issued.record.id.as_str());
        assert_eq!(body["name"], "nightly export");
        assert_eq!(body["service"], false);
    }
    // Its last use was recorded (in the background).
    tokio::time::sleep(Duration::from_millis(50)).await;
    let record = app.auth.api_keys().get(&issued.record.id).await.unwrap();
    assert!(record.unwrap().last_used_at.is_some());
}

#[tokio::test]
async fn missing_unknown_and_mistyped_keys_are_refused_and_a_typo_costs_no_lookup() {
    let app = app("20/60s").await;
    let issued = key(&app, &["reports:read"]).await;
    let missing = send(&app, "/reports", &[]).await;
    assert_eq!(error_type(&missing), (401, "MissingApiKeyError"));
    let mut typo = issued.key().to_owned();
    let last = typo.pop().unwrap();
    typo.push(if last == 'a' { 'b' } else { 'a' });
    let before = app.lookups.load(Ordering::SeqCst);
    let answer = send(&app, "/reports", &[("x-api-key", &typo)]).await;
    assert_eq!(error_type(&answer), (401, "InvalidApiKeyError"));
    assert_eq!(
        app.lookups.load(Ordering::SeqCst),
        before,
        "a wrong checksum is refused before any store lookup"
    );
    let stranger = key(&app, &[]).await;
    app.auth
        .api_keys()
        .delete(&stranger.record.id)
        .await
        .unwrap();
    let answer = send(&app, "/reports", &[("x-api-key", stranger.key())]).await;
    assert_eq!(error_type(&answer), (401, "InvalidApiKeyError"));
    assert_eq!(app.lookups.load(Ordering::SeqCst), before + 1);
    for junk in ["", "acme_test_", &"x".repeat(10_000), "acme_test_ünïcödé"] {
        let answer = send(&app, "/reports", &[("x-api-key", junk)]).await;
        assert_eq!(answer.0, 401, "{junk:.20}: {}", answer.1);
        assert!(answer.1["error_type"].is_string());
    }
}

#[tokio::test]
async fn revoked_expired_and_wrong_address_keys_are_refused() {
    let app = app("20/60s").await;
    let revoked = key(&app, &["reports:read"]).await;
    app.auth
        .api_keys()
        .revoke(&revoked.record.id)
        .await
        .unwrap();
    let answer = send(&app, "/reports", &[("x-api-key", revoked.key())]).await;
    assert_eq!(error_type(&answer), (401, "RevokedTokenError"));

    let expiring = app
        .auth
        .api_keys()
        .create("user-7")
        .scopes(["reports:read"])
        .expires_in(Duration::from_secs(60))
        .issue()
        .await
        .unwrap();
    assert_eq!(
        send(&app, "/reports", &[("x-api-key", expiring.key())])
            .await
            .0,
        200
    );
    app.clock.advance(Duration::from_secs(61));
    let answer = send(&app, "/reports", &[("x-api-key", expiring.key())]).await;
    assert_eq!(error_type(&answer), (401, "ExpiredApiKeyError"));

    for (networks, status) in [
        (vec!["10.0.0.0/8"], 403),
        (vec!["127.0.0.1", "10.0.0.0/8"], 200),
    ] {
        let pinned = app
            .auth
            .api_keys()
            .create("user-7")
            .scopes(["reports:read"])
            .allow_from(networks)
            .issue()
            .await
            .unwrap();
        let answer = send(&app, "/reports", &[("x-api-key", pinned.key())]).await;
        assert_eq!(answer.0, status, "{}", answer.1);
        if status == 403 {
            assert_eq!(answer.1["error_type"], "ApiKeyAddressError");
        }
    }
}

#[tokio::test]
async fn a_rotated_key_keeps_working_for_the_overlap_then_only_the_new_one_does() {
    let app = app("20/60s").await;
    let old = key(&app, &["reports:read"]).await;
    let new = app
        .auth
        .api_keys()
        .rotate(&old.record.id, Duration::from_secs(300))
        .await
        .unwrap();
    assert_ne!(new.record.id, old.record.id);
    assert_eq!(new.record.scopes, old.record.scopes);
    for k in [old.key(), new.key()] {
        assert_eq!(send(&app, "/reports", &[("x-api-key", k)]).await.0, 200);
    }
    app.clock.advance(Duration::from_secs(301));
    let answer = send(&app, "/reports", &[("x-api-key", old.key())]).await;
    assert_eq!(error_type(&answer), (401, "ExpiredApiKeyError"));
    assert_eq!(
        send(&app, "/reports", &[("x-api-key", new.key())]).await.0,
        200
    );
}

#[tokio::test]
async fn a_route_taking_either_checks_a_keys_scopes_as_a_tokens() {
    let app = app("20/60s").await;
    let reader = key(&app, &["reports:read"]).await;
    let writer = key(&app, &["reports:write"]).await;
    let (status, body) = send(&app, "/either", &[("x-api-key", reader.key())]).await;
    assert_eq!((status, &body["api_key"]), (200, &json!(true)), "{body}");
    let answer = send(&app, "/either", &[("x-api-key", writer.key())]).await;
    assert_eq!(error_type(&answer), (403, "InsufficientScopeError"));
    let token = app
        .auth
        .tokens()
        .access("user-9")
        .scopes(["reports:read"])
        .issue()
        .unwrap();
    let bearer = format!("Bearer {token}");
    let (status, body) = send(&app, "/either", &[("authorization", &bearer)]).await;
    assert_eq!((status, &body["api_key"]), (200, &json!(false)), "{body}");
    // Both at once: which one the route answers for would be a guess.
    let both = [
        ("authorization", bearer.as_str()),
        ("x-api-key", reader.key()),
    ];
    assert_eq!(send(&app, "/either", &both).await.0, 401);
    // A bearer-only route does not look at keys; a key-only route does not take tokens.
    let answer = send(&app, "/bearer_only", &[("x-api-key", reader.key())]).await;
    assert_eq!(error_type(&answer), (401, "MissingTokenError"));
    let answer = send(&app, "/reports", &[("authorization", &bearer)]).await;
    assert_eq!(error_type(&answer), (401, "MissingApiKeyError"));
}

#[tokio::test]
async fn a_limit_per_key_counts_each_key_apart_and_a_tier_limits_the_key_everywhere() {
    let app = app("20/60s").await;
    let first = key(&app, &[]).await;
    let second = key(&app, &[]).await;
    for _ in 0..2 {
        assert_eq!(
            send(&app, "/limited", &[("x-api-key", first.key())])
                .await
                .0,
            200
        );
    }
    let answer = send(&app, "/limited", &[("x-api-key", first.key())]).await;
    assert_eq!(error_type(&answer), (429, "RateLimitExceeded"));
    assert_eq!(
        send(&app, "/limited", &[("x-api-key", second.key())])
            .await
            .0,
        200
    );

    let tiered = app
        .auth
        .api_keys()
        .create("svc-billing")
        .service()
        .scopes(["reports:read"])
        .rate("1/60s")
        .issue()
        .await
        .unwrap();
    let (status, body) = send(&app, "/reports", &[("x-api-key", tiered.key())]).await;
    assert_eq!((status, &body["service"]), (200, &json!(true)), "{body}");
    let answer = send(&app, "/either", &[("x-api-key", tiered.key())]).await;
    assert_eq!(error_type(&answer), (429, "RateLimitExceeded"));
}

#[tokio::test]
async fn failed_lookups_are_limited_per_client_ip_before_any_lookup() {
    let app = app("3/60s").await;
    let good = key(&app, &["reports:read"]).await;
    let unknown = "acme_test_".to_owned() + &"0".repeat(49);
    for _ in 0..3 {
        let answer = send(&app, "/reports", &[("x-api-key", &unknown)]).await;
        assert_eq!(answer.0, 401, "{}", answer.1);
    }
    let lookups = app.lookups.load(Ordering::SeqCst);
    // Past the limit, even a good key from this address is refused, and nothing is looked up.
    let answer = send(&app, "/reports", &[("x-api-key", good.key())]).await;
    assert_eq!(error_type(&answer), (429, "RateLimitExceeded"));
    assert_eq!(app.lookups.load(Ordering::SeqCst), lookups);
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(
        send(&app, "/reports", &[("x-api-key", good.key())]).await.0,
        200
    );
}

#[tokio::test]
async fn openapi_describes_key_routes_with_the_api_key_scheme() {
    let app = app("20/60s").await;
    let doc = serde_json::to_value(authx::openapi::openapi_for(app.auth.config())).unwrap();
    let scheme = &doc["components"]["securitySchemes"]["api_key"];
    assert_eq!(scheme["type"], "apiKey", "{scheme}");
    assert_eq!(
        (&scheme["in"], &scheme["name"]),
        (&json!("header"), &json!("X-API-Key"))
    );
    assert_eq!(
        doc["paths"]["/reports"]["get"]["security"],
        json!([{ "api_key": ["reports:read"] }])
    );
    assert_eq!(
        doc["paths"]["/either"]["get"]["security"],
        json!([{ "bearer": ["reports:read"] }, { "api_key": ["reports:read"] }])
    );
}

/// The quickstart's keys: a fresh login makes one (within the user's own scopes), a script
/// uses it on the report, the owner lists and revokes it, and then it is refused.
#[tokio::test]
async fn the_quickstart_makes_uses_lists_and_revokes_a_key() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .api_key_pepper(PEPPER)
            .build(),
    )
    .unwrap();
    let s = TestServer::start(quickstart::app(auth, Users::demo())).await;
    let pair = login(&s, "user1", "password1").await;
    let access = pair["access_token"].as_str().unwrap();
    let create = |body: Value| {
        client()
            .post(s.url("/api-keys"))
            .bearer_auth(access)
            .json(&body)
            .send()
    };
    let too_much = create(json!({ "name": "x", "scopes": ["admin:*"] }))
        .await
        .unwrap();
    assert_eq!(
        too_much.status(),
        403,
        "a key gets at most its owner's scopes"
    );
    let res = create(json!({ "name": "cron", "scopes": ["users:read"] }))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let key = made["key"].as_str().unwrap();
    assert!(key.starts_with("authx_"), "{made}");

    let report = |key: String| {
        let url = s.url("/reports/users");
        async move {
            let res = client()
                .get(url)
                .header("x-api-key", key)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = report(key.to_owned()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "for": "user1", "via": { "api_key": "cron" } })
    );
    let (status, body) = get_bearer(&s, "/reports/users", access).await;
    assert_eq!((status, &body["via"]), (200, &json!("bearer")), "{body}");

    let (status, listed) = get_bearer(&s, "/api-keys", access).await;
    assert_eq!(status, 200);
    assert_eq!(listed["keys"][0]["id"], made["id"]);
    assert!(
        !listed.to_string().contains(key),
        "a list never shows a key"
    );
    let other = login(&s, "user2", "password2").await;
    let id = made["id"].as_str().unwrap();
    let revoke = |token: String| {
        let url = s.url(&format!("/api-keys/{id}"));
        async move {
            let res = client()
                .delete(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    };
    assert_eq!(
        revoke(other["access_token"].as_str().unwrap().into()).await,
        404
    );
    assert_eq!(revoke(access.to_owned()).await, 204);
    let (status, body) = report(key.to_owned()).await;
    assert_eq!(
        (status, &body["error_type"]),
        (401, &json!("RevokedTokenError"))
    );
}

/// Two instances sharing Redis: a limit per key and a key's own tier are exact across them,
/// and a key request is one round trip (the record, its liveness, its tier and the route's
/// limit in one script), whether or not the route and the key have limits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_per_key_are_exact_across_two_instances_sharing_redis_in_one_round_trip() {
    let prefix = format!("authx-test-{}:", uuid::Uuid::new_v4());
    let stores = redis_stores(&prefix).await;
    let config = || {
        AuthConfig::builder()
            .secret_key(SECRET)
            .api_key_pepper(PEPPER)
            .api_key_prefix("acme_test")
            .build()
    };
    let a = Auth::builder(config())
        .stores(stores.clone())
        .build()
        .unwrap();
    let b = Auth::builder(config()).stores(stores).build().unwrap();
    let router = |auth: Auth| {
        routes![
            key_routes::limited,
            key_routes::reports,
            key_routes::metered
        ]
        .with_state(auth)
    };
    let servers = [
        TestServer::start(router(a.clone())).await,
        TestServer::start(router(b)).await,
    ];
    let issue = |rate: Option<&'static str>| {
        let keys = a.api_keys();
        async move {
            let key = keys.create("svc").scopes(["reports:read"]);
            let key = match rate {
                Some(rate) => key.rate(rate),
                None => key,
            };
            key.issue().await.unwrap()
        }
    };
    let (plain, tiered, metered) = (
        issue(None).await,
        issue(Some("3/60s")).await,
        issue(Some("1000/60s")).await,
    );
    let get = |server: &TestServer, path: &str, key: &IssuedApiKey| {
        let url = server.url(path);
        let key = key.key().to_owned();
        async move {
            let res = client()
                .get(url)
                .header("x-api-key", key)
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    };
    let mut statuses = Vec::new();
    for i in 0..8 {
        statuses.push(get(&servers[i % 2], "/limited", &plain).await);
    }
    assert_eq!(
        statuses,
        [200, 200, 429, 429, 429, 429, 429, 429],
        "rate = \"2/60s\", rate_key = \"api_key\" across both instances"
    );
    let mut statuses = Vec::new();
    for i in 0..6 {
        statuses.push(get(&servers[i % 2], "/reports", &tiered).await);
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 429, 429, 429],
        "a key's own rate (\"3/60s\") across both instances"
    );

    // Round trips of key requests (their last use was written on their first request).
    assert_eq!(get(&servers[1], "/metered", &metered).await, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (tasks, seen) = authx_tests::redis::count_commands(&[redis_url()], &prefix).await;
    for i in 0..10 {
        assert_eq!(get(&servers[i % 2], "/reports", &plain).await, 200);
        assert_eq!(get(&servers[i % 2], "/metered", &metered).await, 200);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let commands = seen[0].load(Ordering::SeqCst);
    tasks[0].abort();
    println!("Redis commands for 20 key requests: {commands}");
    assert_eq!(
        commands, 20,
        "one round trip per key request (10 without limits, 10 with a tier and a limit per \
         key), not {commands} for 20"
    );
}

/// The route audit knows key routes: a missing key and a bearer token are refused on a route
/// that takes only keys; a route that takes either is audited with tokens.
#[tokio::test]
async fn the_route_audit_checks_key_routes() {
    let app = app("20/60s").await;
    let router = routes![
        key_routes::reports,
        key_routes::either,
        key_routes::limited,
        key_routes::metered,
        key_routes::bearer_only
    ]
    .with_state(app.auth.clone());
    let report = authx::testing::RouteAudit::new(&router, &app.auth)
        .module("api_keys::key_routes")
        .run()
        .await;
    report.assert_ok();
    let checks = |label: &str| {
        report
            .routes()
            .iter()
            .find(|r| r.label.contains(label))
            .map(|r| r.checks.clone())
            .unwrap_or_else(|| panic!("{label} not audited: {report}"))
    };
    assert_eq!(
        checks("GET /reports"),
        ["no API key", "bearer token on an API-key route"]
    );
    assert_eq!(
        checks("GET /either"),
        ["no token", "wrong token type", "token lacking the scopes"]
    );
}
