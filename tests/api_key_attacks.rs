//! An outside review's attacks on API keys (ab63e88..f78e0c2): what it found, as tests, and
//! what it attacked and found holding. All fixed since: no peer address, a deleted key's
//! socket, a far expiry on Redis, the marker tied to the claims instance, shadowing schemes;
//! then concurrent guesses (a gate per address), a key checked twice across a layer and a
//! guard (keys in the request cache), a rotated key's socket and allowlist mode on a key's
//! socket (the re-check reads the key's record), a service account's claims (`sub` is
//! `service:<name>`).
//!
//! Found (each failed on the code as reviewed):
//!
//! - `concurrent_guesses_from_one_address_are_not_all_looked_up`: the failed-lookup limit is
//!   checked before the lookup but charged after it, so a burst of guesses from one address is
//!   looked up in full (and a good key in the burst passes past the limit).
//! - `no_peer_address_does_not_let_one_client_lock_every_key_out`: with no peer address every
//!   client shares the bucket `unknown`, and 429-even-for-a-good-key then lets one anonymous
//!   client refuse every API key of every client.
//! - `a_key_is_checked_once_per_request_across_a_layer_and_a_guard`: keys are not in the
//!   per-request cache, so a layer and a guard both taking keys look the key up twice and
//!   charge its tier twice (a `1/60s` key never passes).
//! - `websocket_rechecks_end_a_deleted_key`, `websocket_rechecks_end_a_key_rotated_away`: a
//!   socket opened with a key re-checks only the revocation store, never the record.
//! - `websocket_rechecks_keep_a_live_key_in_allowlist_mode`: the re-check asks the allowlist,
//!   which holds no key, so a live key's socket is closed at the first re-check.
//! - `revoking_a_key_with_a_far_expiry_succeeds_on_redis`: `expires_in(Duration::MAX)` stores
//!   `i64::MAX`, which Redis refuses as an `EXAT`: `revoke` errors after marking the record.
//! - `a_service_keys_claims_are_not_the_users_of_the_same_name`: `.service()` is not in the
//!   claims, so policies, `Claims` handlers and `#[auth_subject]` loaders see a service
//!   account's key as the user of the same name.
//! - `a_bearer_token_whose_jti_is_a_key_id_is_not_labelled_an_api_key`: `Principal` (and the
//!   per-key rate limit and the decision event) tie the `KeyUsed` marker to claims by `jti`
//!   equality only.
//! - `an_api_key_scheme_that_shadows_bearer_tokens_is_refused_or_works`: `api_keys.scheme =
//!   "Bearer"` (or the header `Authorization`) is accepted, and then a route taking either
//!   refuses every bearer token as ambiguous.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use authx::api_key::IssuedApiKey;
use authx::clock::ManualClock;
use authx::guard::Rules;
use authx::layer::AuthLayer;
use authx::store::SqlStore;
use authx::ws::TokenEnd;
use authx::{Auth, AuthConfig, Claims, Credential, Principal, Stores};
use authx::{protect, routes};
use authx_tests::api_keys::CountingKeys;
use authx_tests::client;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

const SECRET: &str = "api-key-attack-secret-0123456789abcdef012";
const PEPPER: &str = "api-key-attack-pepper-0123456789abcdef012";
const PREFIX: &str = "acme_test";

mod attack_routes {
    use super::*;

    #[protect(api_key, route = "GET /k")]
    pub async fn key_only(principal: Principal) -> Json<Value> {
        describe(&principal)
    }

    #[protect(credentials = "bearer | api_key", route = "GET /either")]
    pub async fn either(principal: Principal) -> Json<Value> {
        describe(&principal)
    }

    #[protect(route = "GET /bearer")]
    pub async fn bearer_only(principal: Principal) -> Json<Value> {
        describe(&principal)
    }

    #[protect(fresh, route = "GET /fresh")]
    pub async fn fresh_only(claims: Claims) -> String {
        claims.sub
    }

    #[protect(dpop, route = "GET /dpop")]
    pub async fn dpop_only(claims: Claims) -> String {
        claims.sub
    }

    #[protect(api_key, route = "GET /claims")]
    pub async fn key_claims(claims: Claims) -> Json<Claims> {
        Json(claims)
    }
}

/// A route with no guard: `Principal` takes either kind there.
async fn unguarded(principal: Principal) -> Json<Value> {
    describe(&principal)
}

fn describe(principal: &Principal) -> Json<Value> {
    match &principal.credential {
        Credential::ApiKey { id, service, .. } => Json(json!({
            "sub": principal.subject(), "credential": "api_key", "key": id, "service": service
        })),
        _ => Json(json!({ "sub": principal.subject(), "credential": "bearer" })),
    }
}

/// A server on a loopback port, with or without the peer address in the request extensions.
struct Server {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(router: Router, connect_info: bool) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        if connect_info {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        } else {
            // What `axum::serve(listener, app)` gives an app that never asked for the peer.
            axum::serve(listener, router).await.unwrap();
        }
    });
    Server {
        base: format!("http://{addr}"),
        task,
    }
}

struct App {
    auth: Auth,
    clock: ManualClock,
    lookups: Arc<AtomicUsize>,
    server: Server,
}

fn config(failed_lookups: &str) -> AuthConfig {
    let mut config = AuthConfig::builder()
        .secret_key(SECRET)
        .api_key_pepper(PEPPER)
        .api_key_prefix(PREFIX)
        .build();
    config.api_keys.failed_lookups = failed_lookups.into();
    config
}

/// The engine (on a manual clock, memory stores, a counting key store) and its routes.
async fn app_with(
    config: AuthConfig,
    delay: Duration,
    connect_info: bool,
    router: impl FnOnce(&Auth) -> Router,
) -> App {
    let clock = ManualClock::starting_now();
    let mut stores = Stores::memory_with_clock(Arc::new(clock.clone()));
    // Counts lookups, each taking `delay` (a database a network hop away).
    let lookups = CountingKeys::wrap(&mut stores, delay);
    let auth = Auth::builder(config)
        .clock(clock.clone())
        .stores(stores)
        .build()
        .unwrap();
    let server = serve(router(&auth), connect_info).await;
    App {
        auth,
        clock,
        lookups,
        server,
    }
}

fn all_routes(auth: &Auth) -> Router {
    routes![
        attack_routes::key_only,
        attack_routes::either,
        attack_routes::bearer_only,
        attack_routes::fresh_only,
        attack_routes::dpop_only,
        attack_routes::key_claims
    ]
    .route("/unguarded", get(unguarded))
    .with_state(auth.clone())
}

async fn app(failed_lookups: &str) -> App {
    app_with(config(failed_lookups), Duration::ZERO, true, all_routes).await
}

async fn send_to(base: &str, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = client().get(format!("{base}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn send(app: &App, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    send_to(&app.server.base, path, headers).await
}

fn error_type(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["error_type"].as_str().unwrap_or(""))
}

async fn key_for(auth: &Auth, owner: &str) -> IssuedApiKey {
    auth.api_keys()
        .create(owner)
        .name("script")
        .issue()
        .await
        .unwrap()
}

/// Keys of the right form and checksum that no record matches (made, then deleted).
async fn unknown_keys(auth: &Auth, n: usize) -> Vec<String> {
    let mut keys = Vec::with_capacity(n);
    for _ in 0..n {
        let issued = key_for(auth, "nobody").await;
        auth.api_keys().delete(&issued.record.id).await.unwrap();
        keys.push(issued.key().to_owned());
    }
    keys
}

/// The claims a key stands for, as a `#[protect(api_key)]` handler receives them.
async fn claims_of_key(app: &App, key: &str) -> Claims {
    let res = client()
        .get(format!("{}/claims", app.server.base))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn redis_stores() -> Stores {
    authx_tests::api_keys::redis_stores(&format!("authx-attack-{}:", uuid::Uuid::new_v4())).await
}

fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join("authx-tests");
    std::fs::create_dir_all(&dir).unwrap();
    format!(
        "sqlite://{}",
        dir.join(format!("{}.db", uuid::Uuid::new_v4())).display()
    )
}

// =================================================================================================
// Found.
// =================================================================================================

/// The failed-lookup limit is read before the lookup (`still_blocked`, a per-instance map) and
/// charged only after a lookup failed. Requests that arrive together all pass the read before
/// the first is charged, so a burst of N guesses from one address costs N lookups whatever the
/// limit, and a good key in the burst passes although the address is past its limit
/// (`authx/src/auth/api_key/mod.rs`, `verify_api_key`). The docs promise "429 before anything else,
/// even for a good key, so keys cannot be guessed from one address".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_from_one_address_are_not_all_looked_up() {
    // A lookup a network hop away (within the default 250 ms store timeout).
    let app = app_with(
        config("3/60s"),
        Duration::from_millis(100),
        true,
        all_routes,
    )
    .await;
    let good = key_for(&app.auth, "svc").await;
    let mut burst = unknown_keys(&app.auth, 30).await;
    burst.push(good.key().to_owned());
    let answers = futures_util::future::join_all(
        burst
            .iter()
            .map(|k| async { send(&app, "/k", &[("x-api-key", k.as_str())]).await }),
    )
    .await;
    let lookups = app.lookups.load(Ordering::SeqCst);
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    // The address is past its limit now: the same good key, alone, is refused.
    let after = send(&app, "/k", &[("x-api-key", good.key())]).await;
    assert_eq!(error_type(&after), (429, "RateLimitExceeded"));
    // The limit is on failed lookups: three unknown keys looked up at most. The good key's own
    // lookup is no failure; when it happens to run first (the burst's order is the
    // scheduler's), it is the fourth lookup, and it answers 200.
    let failed = statuses.iter().filter(|s| **s == 401).count();
    let good_looked_up = usize::from(statuses[30] == 200);
    assert!(
        failed <= 3 && lookups <= 3 + good_looked_up,
        "failed_lookups = 3/60s, yet one address had {lookups} keys looked up in one burst, \
         {failed} of them failed (statuses {statuses:?}; the good key, last, got {})",
        statuses[30]
    );
}

/// Without the peer address (`axum::serve(listener, app)`, the axum default; or behind a
/// proxy that is not in `trusted_proxies`, where every client is the proxy), every client is
/// the bucket `unknown`: one anonymous client sending three junk keys makes every other
/// client's good key `429` (`verify_api_key` and `ClientIp::key`). A lockout keyed by an
/// address nobody knows refuses everyone.
#[tokio::test]
async fn no_peer_address_does_not_let_one_client_lock_every_key_out() {
    let app = app_with(config("3/60s"), Duration::ZERO, false, all_routes).await;
    let victim = key_for(&app.auth, "customer-1").await;
    assert_eq!(
        send(&app, "/k", &[("x-api-key", victim.key())]).await.0,
        200
    );
    for junk in ["x", "y", "z"] {
        assert_eq!(send(&app, "/k", &[("x-api-key", junk)]).await.0, 401);
    }
    let answer = send(&app, "/k", &[("x-api-key", victim.key())]).await;
    assert_eq!(
        answer.0, 200,
        "another client's junk locked a good key out: {}",
        answer.1
    );
}

/// Bearer tokens are verified once per request however many doors ask (the request cache);
/// keys are not cached, so an `AuthLayer` taking keys and a `#[protect(api_key)]` route behind
/// it run the key step twice: two lookups, and the key's tier charged twice (a `1/60s` tier
/// refuses the very first request). The same holds for two extractors on an unguarded route.
#[tokio::test]
async fn a_key_is_checked_once_per_request_across_a_layer_and_a_guard() {
    let app = app_with(config("20/60s"), Duration::ZERO, true, |auth| {
        let rules = Rules::builder().credentials("api_key").build().unwrap();
        Router::new()
            .route("/k", get(attack_routes::key_only))
            .layer(AuthLayer::new(auth.clone()).rules(rules))
            .with_state(auth.clone())
    })
    .await;
    let tiered = app
        .auth
        .api_keys()
        .create("svc")
        .rate("1/60s")
        .issue()
        .await
        .unwrap();
    let before = app.lookups.load(Ordering::SeqCst);
    let answer = send(&app, "/k", &[("x-api-key", tiered.key())]).await;
    let lookups = app.lookups.load(Ordering::SeqCst) - before;
    assert_eq!(
        answer.0, 200,
        "a 1/60s key's first request, through a layer and a guard: {} ({lookups} lookups)",
        answer.1
    );
    assert_eq!(lookups, 1, "one request, one lookup");
}

fn ws_config() -> AuthConfig {
    let mut config = config("20/60s");
    config.ws_recheck_interval = Duration::from_millis(100);
    config
}

/// Held: a socket opened with a key ends when the key is revoked (its id is in the revocation
/// store, which the re-check asks).
#[tokio::test]
async fn websocket_rechecks_end_a_revoked_key() {
    let app = app_with(ws_config(), Duration::ZERO, true, all_routes).await;
    let issued = key_for(&app.auth, "svc").await;
    let claims = claims_of_key(&app, issued.key()).await;
    app.auth.api_keys().revoke(&issued.record.id).await.unwrap();
    let end = tokio::time::timeout(Duration::from_secs(3), app.auth.token_end(&claims)).await;
    assert!(matches!(end, Ok(TokenEnd::Revoked)), "{end:?}");
}

/// `TokenSocket`'s re-check (`ws.rs`, `live_again`) asks only the revocation store. `delete`
/// writes nothing there, so a socket opened with a key outlives its deletion (until the
/// claims' `exp`: ten years for a key without expiry).
#[tokio::test]
async fn websocket_rechecks_end_a_deleted_key() {
    let app = app_with(ws_config(), Duration::ZERO, true, all_routes).await;
    let issued = key_for(&app.auth, "svc").await;
    let claims = claims_of_key(&app, issued.key()).await;
    assert!(app.auth.api_keys().delete(&issued.record.id).await.unwrap());
    assert_eq!(
        send(&app, "/k", &[("x-api-key", issued.key())]).await.0,
        401,
        "over HTTP the deleted key is refused"
    );
    let end = tokio::time::timeout(Duration::from_secs(3), app.auth.token_end(&claims)).await;
    assert!(
        end.is_ok(),
        "a socket opened with a key that was deleted since is still open"
    );
}

/// A rotation moves the old key's expiry earlier in its record (`expire_key`); the socket's
/// claims keep the `exp` they had at the upgrade, and the re-check never reads the record:
/// the old key's socket outlives the overlap.
#[tokio::test]
async fn websocket_rechecks_end_a_key_rotated_away() {
    let app = app_with(ws_config(), Duration::ZERO, true, all_routes).await;
    let issued = key_for(&app.auth, "svc").await;
    let claims = claims_of_key(&app, issued.key()).await;
    app.auth
        .api_keys()
        .rotate(&issued.record.id, Duration::ZERO)
        .await
        .unwrap();
    let answer = send(&app, "/k", &[("x-api-key", issued.key())]).await;
    assert_eq!(error_type(&answer), (401, "ExpiredApiKeyError"));
    let end = tokio::time::timeout(Duration::from_secs(3), app.auth.token_end(&claims)).await;
    assert!(
        end.is_ok(),
        "a socket opened with a key rotated away (no overlap) is still open"
    );
}

/// Over HTTP a key is on no allowlist (`v.allowlist = false` in `run`); the socket re-check
/// (`Verification::decoded`, allowlist on) asks the allowlist for the key's id, finds nothing,
/// and closes a live key's socket as "revoked" at the first re-check.
#[tokio::test]
async fn websocket_rechecks_keep_a_live_key_in_allowlist_mode() {
    let mut config = ws_config();
    config.allowlist = true;
    let app = app_with(config, Duration::ZERO, true, all_routes).await;
    let issued = key_for(&app.auth, "svc").await;
    let claims = claims_of_key(&app, issued.key()).await;
    let end = tokio::time::timeout(Duration::from_millis(800), app.auth.token_end(&claims)).await;
    assert!(end.is_err(), "a live key's socket was ended: {end:?}");
}

/// `expires_in` saturates to `i64::MAX` (the quickstart takes `expires_in` as any `u64` from
/// the request body; `rotate` with a huge overlap does the same), and `revoke` hands that to
/// the revocation store as the entry's end: Redis refuses `SET .. EXAT 9223372036854775807`
/// ("invalid expire time"). The record is marked first, so the key is refused, but `revoke`
/// answers an error (a 500 in the quickstart, exit code 2 in the CLI) and no instance's
/// near-cache hears of it.
#[tokio::test]
async fn revoking_a_key_with_a_far_expiry_succeeds_on_redis() {
    let auth = Auth::builder(config("20/60s"))
        .stores(redis_stores().await)
        .build()
        .unwrap();
    let issued = auth
        .api_keys()
        .create("user-1")
        .expires_in(Duration::MAX)
        .issue()
        .await
        .unwrap();
    let revoked = auth.api_keys().revoke(&issued.record.id).await;
    assert!(revoked.is_ok(), "revoke answered {revoked:?}");
}

/// A service account's key and a user's key with the same owner string stand for the same
/// claims: `sub` is the owner and nothing in the claims says "service" (only `Principal`
/// does). A policy, a `Claims` handler or an `#[auth_subject]` loader given a service key
/// named `user-7` acts for the user `user-7` (`claims_of` in `auth/api_key/mod.rs`).
#[tokio::test]
async fn a_service_keys_claims_are_not_the_users_of_the_same_name() {
    let app = app("20/60s").await;
    let user = key_for(&app.auth, "user-7").await;
    let service = app
        .auth
        .api_keys()
        .create("user-7")
        .name("script")
        .service()
        .issue()
        .await
        .unwrap();
    let user = claims_of_key(&app, user.key()).await;
    let service = claims_of_key(&app, service.key()).await;
    assert_ne!(
        (&user.sub, &user.extra),
        (&service.sub, &service.extra),
        "the claims of a service account's key are those of the user of the same name"
    );
}

/// `Principal`, the per-key rate limit and the decision event tie the request's `KeyUsed`
/// marker to the claims by `jti` equality alone. Behind a layer taking keys and a guard taking
/// tokens, a bearer token whose `jti` is the key's id (`TokenBuilder::jti`, or an identity
/// provider's token) is reported as that API key (`extract/principal.rs`).
#[tokio::test]
async fn a_bearer_token_whose_jti_is_a_key_id_is_not_labelled_an_api_key() {
    let app = app_with(config("20/60s"), Duration::ZERO, true, |auth| {
        let rules = Rules::builder().credentials("api_key").build().unwrap();
        Router::new()
            .route("/bearer", get(attack_routes::bearer_only))
            .layer(AuthLayer::new(auth.clone()).rules(rules))
            .with_state(auth.clone())
    })
    .await;
    let key = app
        .auth
        .api_keys()
        .create("svc-billing")
        .service()
        .issue()
        .await
        .unwrap();
    let token = app
        .auth
        .tokens()
        .access("user-9")
        .jti(key.record.id.as_str())
        .issue()
        .unwrap();
    let bearer = format!("Bearer {token}");
    let (status, body) = send(
        &app,
        "/bearer",
        &[("x-api-key", key.key()), ("authorization", &bearer)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sub"], "user-9");
    assert_eq!(
        body["credential"], "bearer",
        "a bearer token's claims reported as the API key {}: {body}",
        key.record.id
    );
}

/// `ApiKeyConfig::validate` checks the header is a header name and nothing more: a scheme of
/// `Bearer` (as Stripe-style clients send keys) or a header of `Authorization` is accepted,
/// and then every bearer token on a route taking either is also read as a key, and refused as
/// two credentials. Either the configuration is refused, or the route works.
#[tokio::test]
async fn an_api_key_scheme_that_shadows_bearer_tokens_is_refused_or_works() {
    let mut refused = Vec::new();
    for shadow in ["scheme", "header", "query"] {
        let mut config = config("20/60s");
        let path = match shadow {
            "scheme" => {
                config.api_keys.scheme = "Bearer".into();
                "/either".to_owned()
            }
            "header" => {
                config.api_keys.header_name = "Authorization".into();
                "/either".to_owned()
            }
            _ => {
                config.token_locations = vec![authx::TokenLocation::Query];
                config.api_keys.query_param = Some(config.query_param.clone());
                String::new()
            }
        };
        let Ok(auth) = Auth::new(config.clone()) else {
            continue;
        };
        let server = serve(all_routes(&auth), true).await;
        let token = auth.tokens().access("user-9").issue().unwrap();
        let answer = if shadow == "query" {
            let path = format!("/either?{}={token}", config.query_param);
            send_to(&server.base, &path, &[]).await
        } else {
            let bearer = format!("Bearer {token}");
            send_to(&server.base, &path, &[("authorization", &bearer)]).await
        };
        if answer.0 != 200 {
            refused.push(format!("{shadow}: {} {}", answer.0, answer.1));
        }
    }
    assert!(
        refused.is_empty(),
        "API-key settings shadowing bearer tokens were accepted, and then a good bearer token \
         is refused on a route taking either: {refused:#?}"
    );
}

// =================================================================================================
// Attacked and found holding.
// =================================================================================================

/// A forwarding header from a peer that is not a trusted proxy is not evidence: guesses with
/// a different `X-Forwarded-For` each still count against the peer.
#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_do_not_move_the_failure_bucket() {
    let app = app("2/60s").await;
    let good = key_for(&app.auth, "svc").await;
    let junk = unknown_keys(&app.auth, 2).await;
    for (k, xff) in junk.iter().zip(["198.51.100.1", "198.51.100.2"]) {
        let answer = send(&app, "/k", &[("x-api-key", k), ("x-forwarded-for", xff)]).await;
        assert_eq!(answer.0, 401, "{}", answer.1);
    }
    let answer = send(
        &app,
        "/k",
        &[
            ("x-api-key", good.key()),
            ("x-forwarded-for", "203.0.113.9"),
        ],
    )
    .await;
    assert_eq!(error_type(&answer), (429, "RateLimitExceeded"));
}

/// Behind a trusted proxy: IPv6 clients in one /64 share a bucket, another /64 does not, and
/// an IPv4-mapped IPv6 address is its IPv4 address.
#[tokio::test]
async fn ipv6_clients_in_one_64_and_mapped_ipv4_share_a_failure_bucket() {
    let mut config = config("2/60s");
    config.trusted_proxies = vec!["127.0.0.1".into()];
    let app = app_with(config, Duration::ZERO, true, all_routes).await;
    let good = key_for(&app.auth, "svc").await;
    let junk = unknown_keys(&app.auth, 4).await;
    let from = |ip: &'static str, key: String| {
        let base = app.server.base.clone();
        async move { send_to(&base, "/k", &[("x-api-key", &key), ("x-forwarded-for", ip)]).await }
    };
    assert_eq!(from("2001:db8:1:2::1", junk[0].clone()).await.0, 401);
    assert_eq!(from("2001:db8:1:2:ffff::9", junk[1].clone()).await.0, 401);
    let answer = from("2001:db8:1:2:aaaa::1", good.key().into()).await;
    assert_eq!(error_type(&answer), (429, "RateLimitExceeded"));
    assert_eq!(from("2001:db8:1:3::1", good.key().into()).await.0, 200);

    assert_eq!(from("::ffff:198.51.100.7", junk[2].clone()).await.0, 401);
    assert_eq!(from("198.51.100.7", junk[3].clone()).await.0, 401);
    let answer = from("::ffff:198.51.100.7", good.key().into()).await;
    assert_eq!(error_type(&answer), (429, "RateLimitExceeded"));
    let answer = from("198.51.100.7", good.key().into()).await;
    assert_eq!(error_type(&answer), (429, "RateLimitExceeded"));
}

/// `allow_from` parses strictly (a bad entry is refused when the key is made, never read as
/// "any"), matches an IPv4-mapped entry against the IPv4 peer, does not stretch `::/0` over
/// IPv4, and a forged forwarding header from an untrusted peer does not satisfy it.
#[tokio::test]
async fn allowed_addresses_parse_strictly_and_match_what_the_peer_is() {
    let app = app("100/60s").await;
    for bad in [
        "10.0.0.0/33",
        "::ffff:10.0.0.0/95",
        "10.0.0.0/-1",
        "",
        " ",
        "fe80::1%eth0",
        "10.0.0.0/8/8",
        "localhost",
        "10.0.0.0/8,127.0.0.1",
        "::1/129",
    ] {
        let made = app
            .auth
            .api_keys()
            .create("svc")
            .allow_from([bad])
            .issue()
            .await;
        assert!(made.is_err(), "{bad:?} was taken as an address");
    }
    for (networks, status) in [
        (vec!["::ffff:127.0.0.1"], 200),
        (vec!["::ffff:127.0.0.0/104"], 200),
        (vec!["127.0.0.1/0"], 200),
        (vec!["::1"], 403),
        (vec!["::/0"], 403),
        (vec!["10.0.0.0/8"], 403),
        (vec!["127.0.0.2/32"], 403),
    ] {
        let pinned = app
            .auth
            .api_keys()
            .create("svc")
            .allow_from(networks.clone())
            .issue()
            .await
            .unwrap();
        let answer = send(
            &app,
            "/k",
            &[("x-api-key", pinned.key()), ("x-forwarded-for", "10.1.2.3")],
        )
        .await;
        assert_eq!(answer.0, status, "{networks:?}: {}", answer.1);
    }
}

/// A request to send: what it is, the path, and its headers.
type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);

/// Two keys, a key and a token, keys in places they are not read, odd whitespace, bytes that
/// are not UTF-8, huge values: every one is a 4xx with a JSON error that never echoes the key,
/// never a 500, and never a pass.
#[tokio::test]
async fn smuggled_and_odd_key_headers_are_refused_and_never_echoed() {
    let app = app("1000/60s").await;
    let good = key_for(&app.auth, "svc").await;
    let other = key_for(&app.auth, "svc").await;
    let k = good.key();
    let token = app.auth.tokens().access("user-9").issue().unwrap();
    let bearer = format!("Bearer {token}");
    let api_key_scheme = format!("ApiKey {k}");
    let tab_scheme = format!("ApiKey\t{k}");
    let joined = format!("{k}, {}", other.key());
    let joined_same = format!("{k},{k}");
    let cookie = format!("x-api-key={k}; api_key={k}; access_token_cookie={k}");
    let bearer_key = format!("Bearer {k}");
    let huge = format!("{k}{}", "A".repeat(7000));
    // The right length in bytes, with characters that are not base62.
    let unicode = format!("{PREFIX}_{}", "é".repeat(24)) + "0";
    let query = format!("/k?api_key={k}&x-api-key={k}&key={k}&token={k}");
    let cases: Vec<Case> = vec![
        (
            "twice",
            "/k".into(),
            vec![("x-api-key", k), ("x-api-key", k)],
        ),
        (
            "two keys",
            "/k".into(),
            vec![("x-api-key", k), ("x-api-key", other.key())],
        ),
        (
            "header and scheme",
            "/k".into(),
            vec![("x-api-key", k), ("authorization", &api_key_scheme)],
        ),
        (
            "scheme twice",
            "/k".into(),
            vec![
                ("authorization", &api_key_scheme),
                ("authorization", &api_key_scheme),
            ],
        ),
        ("joined", "/k".into(), vec![("x-api-key", &joined)]),
        (
            "joined same",
            "/k".into(),
            vec![("x-api-key", &joined_same)],
        ),
        ("tab", "/k".into(), vec![("authorization", &tab_scheme)]),
        ("cookie", "/k".into(), vec![("cookie", &cookie)]),
        ("query", query.clone(), vec![]),
        (
            "bearer scheme",
            "/k".into(),
            vec![("authorization", &bearer_key)],
        ),
        ("huge", "/k".into(), vec![("x-api-key", &huge)]),
        ("unicode", "/k".into(), vec![("x-api-key", &unicode)]),
        (
            "either: both",
            "/either".into(),
            vec![("authorization", &bearer), ("x-api-key", k)],
        ),
        (
            "either: empty key beside a token",
            "/either".into(),
            vec![("authorization", &bearer), ("x-api-key", "")],
        ),
        (
            "either: key as a bearer token",
            "/either".into(),
            vec![("authorization", &bearer_key)],
        ),
        (
            "unguarded: both",
            "/unguarded".into(),
            vec![("authorization", &bearer), ("x-api-key", k)],
        ),
        ("bearer route", "/bearer".into(), vec![("x-api-key", k)]),
        ("fresh route", "/fresh".into(), vec![("x-api-key", k)]),
        ("dpop route", "/dpop".into(), vec![("x-api-key", k)]),
    ];
    for (what, path, headers) in &cases {
        let answer = send(&app, path, headers).await;
        assert!(
            (400..500).contains(&answer.0) && answer.1["error_type"].is_string(),
            "{what}: {} {}",
            answer.0,
            answer.1
        );
        assert!(!answer.1.to_string().contains(k), "{what} echoed the key");
    }
    // A value that is not UTF-8, in the key header and in `Authorization`.
    for (name, bytes) in [
        ("x-api-key", b"acme_test_\xff\xfe".as_slice()),
        ("authorization", b"ApiKey acme_test_\xff".as_slice()),
    ] {
        let res = client()
            .get(format!("{}/k", app.server.base))
            .header(
                name,
                reqwest::header::HeaderValue::from_bytes(bytes).unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{name}");
    }
    // And the good key alone still passes, in both places.
    assert_eq!(send(&app, "/k", &[("x-api-key", k)]).await.0, 200);
    assert_eq!(
        send(&app, "/k", &[("authorization", &api_key_scheme)])
            .await
            .0,
        200
    );
}

/// A key is live up to the second before its expiry and refused at it, as `is_live` and the
/// CLI's list say.
#[tokio::test]
async fn expiry_is_exact_at_the_boundary() {
    let app = app("20/60s").await;
    let issued = app
        .auth
        .api_keys()
        .create("svc")
        .expires_in(Duration::from_secs(60))
        .issue()
        .await
        .unwrap();
    app.clock.advance(Duration::from_secs(59));
    assert_eq!(
        send(&app, "/k", &[("x-api-key", issued.key())]).await.0,
        200
    );
    app.clock.advance(Duration::from_secs(1));
    let answer = send(&app, "/k", &[("x-api-key", issued.key())]).await;
    assert_eq!(error_type(&answer), (401, "ExpiredApiKeyError"));
    let record = app.auth.api_keys().get(&issued.record.id).await.unwrap();
    assert!(!record.unwrap().is_live(app.auth.clock().now()));
}

/// Rotation: no overlap ends the old key at once; a second rotation keeps the earlier end; the
/// old key revoked during its overlap is refused; a revoked or expired key cannot be rotated
/// into a live one.
#[tokio::test]
async fn rotation_edges_never_extend_or_revive_the_old_key() {
    let app = app("20/60s").await;
    let old = key_for(&app.auth, "svc").await;
    let id = old.record.id.clone();
    let new = app
        .auth
        .api_keys()
        .rotate(&id, Duration::from_secs(300))
        .await
        .unwrap();
    let end = app
        .auth
        .api_keys()
        .get(&id)
        .await
        .unwrap()
        .unwrap()
        .expires_at;
    app.auth
        .api_keys()
        .rotate(&id, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(
        app.auth
            .api_keys()
            .get(&id)
            .await
            .unwrap()
            .unwrap()
            .expires_at,
        end,
        "a later rotation does not extend the overlap"
    );
    app.auth.api_keys().revoke(&id).await.unwrap();
    let answer = send(&app, "/k", &[("x-api-key", old.key())]).await;
    assert_eq!(error_type(&answer), (401, "RevokedTokenError"));
    assert!(
        app.auth
            .api_keys()
            .rotate(&id, Duration::ZERO)
            .await
            .is_err()
    );
    assert_eq!(send(&app, "/k", &[("x-api-key", new.key())]).await.0, 200);

    let next = app
        .auth
        .api_keys()
        .rotate(&new.record.id, Duration::ZERO)
        .await
        .unwrap();
    let answer = send(&app, "/k", &[("x-api-key", new.key())]).await;
    assert_eq!(error_type(&answer), (401, "ExpiredApiKeyError"));
    assert!(
        app.auth
            .api_keys()
            .rotate(&new.record.id, Duration::from_secs(60))
            .await
            .is_err()
    );
    assert_eq!(send(&app, "/k", &[("x-api-key", next.key())]).await.0, 200);
}

/// A revoked key stays revoked after a restart on a durable key store, even when the
/// revocation store forgot (it was in memory): the record is what is checked first.
#[tokio::test]
async fn a_revoked_key_stays_revoked_across_a_restart_when_the_revocation_store_forgets() {
    let url = sqlite_url();
    let instance = |sql: SqlStore| {
        let mut stores = Stores::memory();
        stores.api_keys = Arc::new(sql);
        Auth::builder(config("20/60s"))
            .stores(stores)
            .build()
            .unwrap()
    };
    let first = instance(SqlStore::connect(&url).await.unwrap());
    let issued = key_for(&first, "svc").await;
    first.api_keys().revoke(&issued.record.id).await.unwrap();
    drop(first);
    let second = instance(SqlStore::connect(&url).await.unwrap());
    let server = serve(all_routes(&second), true).await;
    let answer = send_to(&server.base, "/k", &[("x-api-key", issued.key())]).await;
    assert_eq!(error_type(&answer), (401, "RevokedTokenError"));
}

/// Allowlist mode: a key is on no allowlist and passes over HTTP while its record is live;
/// revoked, it is refused.
#[tokio::test]
async fn allowlist_mode_takes_live_keys_and_refuses_revoked_ones() {
    let mut config = config("20/60s");
    config.allowlist = true;
    let app = app_with(config, Duration::ZERO, true, all_routes).await;
    let issued = key_for(&app.auth, "svc").await;
    assert_eq!(
        send(&app, "/k", &[("x-api-key", issued.key())]).await.0,
        200
    );
    app.auth.api_keys().revoke(&issued.record.id).await.unwrap();
    let answer = send(&app, "/k", &[("x-api-key", issued.key())]).await;
    assert_eq!(error_type(&answer), (401, "RevokedTokenError"));
}

/// `Principal` on a route without a guard takes one credential of either kind and says which;
/// behind a layer taking keys, a guard taking tokens, and both credentials, it names the
/// guard's token (an ordinary `jti`), not the layer's key.
#[tokio::test]
async fn principal_names_the_credential_that_passed() {
    let app = app("20/60s").await;
    let key = key_for(&app.auth, "svc").await;
    let token = app.auth.tokens().access("user-9").issue().unwrap();
    let bearer = format!("Bearer {token}");
    let (status, body) = send(&app, "/unguarded", &[("x-api-key", key.key())]).await;
    assert_eq!((status, &body["credential"]), (200, &json!("api_key")));
    let (status, body) = send(&app, "/unguarded", &[("authorization", &bearer)]).await;
    assert_eq!((status, &body["credential"]), (200, &json!("bearer")));

    let layered = app_with(config("20/60s"), Duration::ZERO, true, |auth| {
        let rules = Rules::builder().credentials("api_key").build().unwrap();
        Router::new()
            .route("/bearer", get(attack_routes::bearer_only))
            .layer(AuthLayer::new(auth.clone()).rules(rules))
            .with_state(auth.clone())
    })
    .await;
    let key = key_for(&layered.auth, "svc").await;
    let token = layered.auth.tokens().access("user-9").issue().unwrap();
    let bearer = format!("Bearer {token}");
    let (status, body) = send(
        &layered,
        "/bearer",
        &[("x-api-key", key.key()), ("authorization", &bearer)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["sub"], &body["credential"]),
        (&json!("user-9"), &json!("bearer"))
    );
    let answer = send(&layered, "/bearer", &[("x-api-key", key.key())]).await;
    assert_eq!(error_type(&answer), (401, "MissingTokenError"));
}

/// SQL: owners, ids and names that look like SQL are data.
#[tokio::test]
async fn sql_injection_through_owner_id_and_name_is_inert() {
    let mut stores = Stores::memory();
    stores.api_keys = Arc::new(SqlStore::connect(&sqlite_url()).await.unwrap());
    let auth = Auth::builder(config("20/60s"))
        .stores(stores)
        .build()
        .unwrap();
    let owners = [
        "x' OR '1'='1",
        "x\"; DROP TABLE authx_api_keys; --",
        "x'); DELETE FROM authx_api_keys; --",
        "plain",
    ];
    for owner in owners {
        auth.api_keys()
            .create(owner)
            .name("n'); DROP TABLE authx_api_keys; --")
            .scopes(["a:b"])
            .issue()
            .await
            .unwrap();
    }
    for owner in owners {
        let listed = auth.api_keys().list(Some(owner)).await.unwrap();
        assert_eq!(listed.len(), 1, "{owner}");
        assert_eq!(listed[0].owner, owner);
    }
    assert_eq!(
        auth.api_keys().list(None).await.unwrap().len(),
        owners.len()
    );
    for id in ["' OR '1'='1", "%", "*", "ak_%", "' OR 1=1 --"] {
        assert!(auth.api_keys().get(id).await.unwrap().is_none(), "{id}");
        assert!(auth.api_keys().revoke(id).await.is_err(), "{id}");
        assert!(!auth.api_keys().delete(id).await.unwrap(), "{id}");
    }
    let live = auth.api_keys().list(None).await.unwrap();
    assert!(live.iter().all(|r| r.revoked_at.is_none()));
}

/// Redis: owners and ids with `:`, `*`, braces and newlines name only themselves.
#[tokio::test]
async fn redis_key_injection_through_owner_and_id_is_inert() {
    let auth = Auth::builder(config("20/60s"))
        .stores(redis_stores().await)
        .build()
        .unwrap();
    let owners = ["a", "a:b", "a*", "*", "{a}", "a\nb", "apikeys-all"];
    for owner in owners {
        key_for(&auth, owner).await;
    }
    for owner in owners {
        let listed = auth.api_keys().list(Some(owner)).await.unwrap();
        assert_eq!(listed.len(), 1, "{owner:?}");
        assert_eq!(listed[0].owner, owner);
    }
    assert_eq!(
        auth.api_keys().list(None).await.unwrap().len(),
        owners.len()
    );
    for id in ["*", "ak_*", "../x", ":", "{a}", "apikeys-all", ""] {
        assert!(auth.api_keys().get(id).await.unwrap().is_none(), "{id:?}");
        assert!(auth.api_keys().revoke(id).await.is_err(), "{id:?}");
        assert!(!auth.api_keys().delete(id).await.unwrap(), "{id:?}");
    }
    assert_eq!(
        auth.api_keys().list(None).await.unwrap().len(),
        owners.len()
    );
}
