//! Rate limits over real HTTP: exact under concurrency (memory, and two instances sharing
//! Redis), windows that reset, per-subject isolation, spoofed forwarding headers, and the
//! response fields.

use std::time::Duration;

use authx::{Auth, AuthConfig, Claims, protect, public, routes};
use authx_tests::{TestServer, assert_error, burst, client, status_json};
use axum::Router;
use axum::http::request::Parts;

fn config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key("rate-test-secret-0123456789abcdef")
        .build()
}

#[protect(rate = "50/60s", route = "GET /fifty")]
async fn fifty(claims: Claims) -> String {
    claims.sub
}

#[public(rate = "3/1s", route = "GET /short")]
async fn short() -> &'static str {
    "ok"
}

#[protect(rate = "2/60s", rate_key = subject, route = "GET /per-user")]
async fn per_user(claims: Claims) -> String {
    claims.sub
}

fn tenant(parts: &Parts, _claims: Option<&Claims>) -> String {
    parts
        .headers
        .get("x-tenant")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_owned()
}

#[protect(rate = "1/60s", rate_key = tenant, route = "GET /per-tenant")]
async fn per_tenant() -> &'static str {
    "ok"
}

#[public(rate = "2/60s", route = "GET /by-ip")]
async fn by_ip() -> &'static str {
    "ok"
}

fn app(auth: Auth) -> Router {
    routes![fifty, short, per_user, per_tenant, by_ip].with_state(auth)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_fifty_of_two_hundred_concurrent_requests_pass_in_memory() {
    let auth = Auth::new(config()).unwrap();
    let s = TestServer::start(app(auth.clone())).await;
    let token = auth.tokens().create_access("u").unwrap();
    assert_eq!(burst(&[&s], "/fifty", &token, 200).await, (50, 150));
}

fn redis_url() -> String {
    std::env::var("AUTHX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_fifty_across_two_instances_sharing_redis() {
    // A fresh key prefix per run: the route's bucket must start empty.
    let prefix = format!("authx-test-{}:", uuid::Uuid::new_v4());
    let stores = redis_stores(&prefix).await;
    let a = Auth::builder(config())
        .stores(stores.clone())
        .build()
        .unwrap();
    let b = Auth::builder(config()).stores(stores).build().unwrap();
    let (sa, sb) = (
        TestServer::start(app(a.clone())).await,
        TestServer::start(app(b)).await,
    );
    let token = a.tokens().create_access("u").unwrap();
    assert_eq!(burst(&[&sa, &sb], "/fifty", &token, 200).await, (50, 150));
}

/// Redis stores under `prefix`, proved reachable.
async fn redis_stores(prefix: &str) -> authx::Stores {
    let store = authx::store::RedisStore::with_prefix(&redis_url(), prefix).unwrap();
    let stores = authx::Stores::redis(store);
    let probe = tokio::time::timeout(
        Duration::from_secs(10),
        stores.revocation.is_revoked("probe"),
    )
    .await;
    assert!(
        matches!(probe, Ok(Ok(_))),
        "Redis at {} is unreachable: {probe:?}. Start it (see .ci/run) or set AUTHX_TEST_REDIS_URL.",
        redis_url()
    );
    stores
}

/// A rate-limited protected route on Redis costs one round trip per request: the token's
/// revocation (and its session's) and the rate limit in one script. A revoked token, or one of
/// a revoked session, is refused in that same trip; like any token failure it is charged to the
/// client IP, not to the subject.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_route_on_redis_is_one_round_trip() {
    use std::sync::atomic::Ordering;
    let prefix = format!("authx-test-{}:", uuid::Uuid::new_v4());
    let auth = Auth::builder(config())
        .stores(redis_stores(&prefix).await)
        .build()
        .unwrap();
    let s = TestServer::start(app(auth.clone())).await;
    let session = auth
        .sessions()
        .create("u", authx::SessionMeta::default())
        .await
        .unwrap();
    let token = auth
        .tokens()
        .access("u")
        .session(&session.id)
        .issue()
        .unwrap();
    let get = |token: String| {
        let url = s.url("/fifty");
        async move {
            client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Warm: the script is loaded into Redis on first use, and the session's `last_seen` is
    // written in the background: let that finish first.
    assert_eq!(get(token.clone()).await, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (tasks, seen) = authx_tests::redis::count_commands(&[redis_url()], &prefix).await;
    for _ in 0..20 {
        assert_eq!(get(token.clone()).await, 200);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let commands = seen[0].load(Ordering::SeqCst);
    tasks[0].abort();
    assert_eq!(
        commands, 20,
        "one command per request, not {commands} for 20"
    );

    // Revoked: refused in the same trip, and the limit is not charged for it.
    let other = auth.tokens().create_access("v").unwrap();
    auth.revocations()
        .revoke(&auth.verify(&other).unwrap())
        .await
        .unwrap();
    // A token of a revoked session: its family key is checked in the same script.
    auth.sessions().revoke(&session.id).await.unwrap();
    let in_session = auth
        .tokens()
        .access("w")
        .session(&session.id)
        .issue()
        .unwrap();
    assert_eq!(get(in_session).await, 401);
    // Token failures are charged to the client IP (one so far): 429 once 50 are spent.
    for i in 1..55 {
        let expected = if i < 50 { 401 } else { 429 };
        assert_eq!(
            get(other.clone()).await,
            expected,
            "revoked token, request {i}"
        );
    }
    let fresh = auth.tokens().create_access("v").unwrap();
    assert_eq!(burst(&[&s], "/fifty", &fresh, 60).await, (50, 10));
}

#[tokio::test]
async fn a_short_window_resets_and_answers_carry_the_fields() {
    let auth = Auth::new(config()).unwrap();
    let s = TestServer::start(app(auth)).await;
    let c = client();
    for expected_remaining in [2, 1, 0] {
        let res = c.get(s.url("/short")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["ratelimit-limit"], "3");
        assert_eq!(
            res.headers()["ratelimit-remaining"],
            expected_remaining.to_string().as_str()
        );
        assert!(res.headers().contains_key("ratelimit-reset"));
    }
    let res = c.get(s.url("/short")).send().await.unwrap();
    assert_eq!(res.headers()["ratelimit-remaining"], "0");
    assert!(
        res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 429, "RateLimitExceeded");
    assert!(body["retry_after"].as_u64().unwrap() >= 1);
    // Waiting out the window (not a timing assertion: the window must have passed).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(c.get(s.url("/short")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn subject_keys_isolate_users_and_custom_keys_isolate_tenants() {
    let auth = Auth::new(config()).unwrap();
    let s = TestServer::start(app(auth.clone())).await;
    let (alice, bob) = (
        auth.tokens().create_access("alice").unwrap(),
        auth.tokens().create_access("bob").unwrap(),
    );
    let c = client();
    let get = |token: &str| {
        c.get(s.url("/per-user"))
            .bearer_auth(token.to_owned())
            .send()
    };
    assert_eq!(get(&alice).await.unwrap().status(), 200);
    assert_eq!(get(&alice).await.unwrap().status(), 200);
    assert_eq!(get(&alice).await.unwrap().status(), 429);
    assert_eq!(
        get(&bob).await.unwrap().status(),
        200,
        "bob has his own bucket"
    );
    let tenant = |t: &'static str| {
        c.get(s.url("/per-tenant"))
            .bearer_auth(alice.clone())
            .header("x-tenant", t)
            .send()
    };
    assert_eq!(tenant("acme").await.unwrap().status(), 200);
    assert_eq!(tenant("acme").await.unwrap().status(), 429);
    assert_eq!(tenant("globex").await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_flood_of_bad_tokens_is_limited_too() {
    let auth = Auth::new(config()).unwrap();
    let s = TestServer::start(app(auth)).await;
    let c = client();
    // A subject-keyed route: failed verifications are charged to the client IP.
    let statuses: Vec<u16> = futures_statuses(&c, &s.url("/per-user"), 4).await;
    assert_eq!(statuses, [401, 401, 429, 429]);
}

async fn futures_statuses(c: &reqwest::Client, url: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            c.get(url)
                .bearer_auth("not-a-token")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    out
}

#[tokio::test]
async fn spoofed_forwarded_for_is_ignored_without_trusted_proxies() {
    let auth = Auth::new(config()).unwrap();
    let s = TestServer::start(app(auth)).await;
    let c = client();
    let mut statuses = Vec::new();
    for i in 0..4 {
        let res = c
            .get(s.url("/by-ip"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(
        statuses,
        [200, 200, 429, 429],
        "a client cannot pick its own key"
    );
}

#[tokio::test]
async fn a_trusted_proxy_forwards_the_client_address() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key("rate-test-secret-0123456789abcdef")
            .trusted_proxy("127.0.0.1/32")
            .build(),
    )
    .unwrap();
    let s = TestServer::start(app(auth)).await;
    let c = client();
    let mut statuses = Vec::new();
    for ip in [
        "198.51.100.1",
        "198.51.100.1",
        "198.51.100.1",
        "198.51.100.2",
    ] {
        statuses.push(
            c.get(s.url("/by-ip"))
                .header("x-forwarded-for", ip)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(
        statuses,
        [200, 200, 429, 200],
        "behind the proxy, each client has its own bucket"
    );
}

/// [`RateLimiter::peek`](authx::rate::RateLimiter::peek) on `limiter`: refused exactly when the
/// next check is, and any number of peeks count nothing (the checks of a peeked key answer as
/// those of a key never peeked). Keys under `prefix`; 10 per hour, so nothing refills during
/// the test.
async fn peeks_agree_and_count_nothing(limiter: &dyn authx::rate::RateLimiter, prefix: &str) {
    let (count, window) = (10, Duration::from_secs(3600));
    let (peeked, plain) = (format!("{prefix}peeked"), format!("{prefix}plain"));
    for i in 0..count + 3 {
        let allowed = i < count;
        for _ in 0..100 {
            let p = limiter.peek(&peeked, count, window).await.unwrap();
            assert_eq!(p.allowed, allowed, "peek before check {i}");
        }
        let p = limiter.peek(&peeked, count, window).await.unwrap();
        let c = limiter.check(&peeked, count, window).await.unwrap();
        let without = limiter.check(&plain, count, window).await.unwrap();
        assert_eq!(
            (p.allowed, c.allowed, without.allowed),
            (allowed, allowed, allowed),
            "check {i}"
        );
        assert_eq!((p.remaining, p.limit), (c.remaining, c.limit), "check {i}");
        assert_eq!(c.remaining, without.remaining, "check {i}");
        if !allowed {
            // The check came after the peek: its wait is no longer, and neither is zero.
            assert!(!c.retry_after.is_zero() && c.retry_after <= p.retry_after);
        }
    }
}

#[tokio::test]
async fn a_peek_in_memory_counts_nothing_and_agrees_with_the_next_check() {
    let clock = std::sync::Arc::new(authx::clock::ManualClock::starting_now());
    let limiter = authx::rate::MemoryRateLimiter::with_clock(clock);
    peeks_agree_and_count_nothing(&limiter, "").await;
}

#[tokio::test]
async fn a_peek_on_redis_counts_nothing_and_agrees_with_the_next_check() {
    let prefix = format!("authx-test-{}:", uuid::Uuid::new_v4());
    let stores = redis_stores(&prefix).await;
    peeks_agree_and_count_nothing(stores.rate.as_ref(), "").await;
    // Nothing written: the bucket's stored time is as the last check left it, and peeking at
    // a key never checked creates none.
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let get = |key: String| redis::cmd("GET").arg(key).to_owned();
    let stored = format!("{prefix}rate:peeked");
    let before: Option<String> = get(stored.clone()).query_async(&mut conn).await.unwrap();
    assert!(before.is_some());
    for _ in 0..100 {
        stores
            .rate
            .peek("peeked", 10, Duration::from_secs(3600))
            .await
            .unwrap();
        let d = stores
            .rate
            .peek("never", 10, Duration::from_secs(3600))
            .await
            .unwrap();
        assert_eq!((d.allowed, d.remaining), (true, 9));
    }
    let after: Option<String> = get(stored).query_async(&mut conn).await.unwrap();
    assert_eq!(before, after);
    let never: i64 = redis::cmd("EXISTS")
        .arg(format!("{prefix}rate:never"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(never, 0);
}
