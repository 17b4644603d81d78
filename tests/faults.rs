//! Faults under load: a store that dies, comes back, or answers too slowly while two instances
//! of an app take steady traffic with bounded concurrency. Each scenario starts what it needs:
//! its own `redis-server` process on a free port (killed with SIGKILL, restarted on its own
//! append-only file), or the local PostgreSQL with this test's connections terminated by
//! `pg_terminate_backend`. These tests need `redis-server` on the `PATH` and fail, never skip,
//! without it.
//!
//! What must hold, whatever the store does: no `500`, no hang (every answer within 1 s), never a
//! `200` for a revoked token, a `503 StoreUnavailableError` while the store is gone (unless the
//! app chose fail-open, which is then logged per request), recovery within 2 s of the store's
//! return without a restart, and no revocation lost.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use authx::{Auth, AuthConfig, Claims, protect, routes};
use authx_tests::TestServer;
use authx_tests::load::{Load, Sample, always, recovered_after, unavailable_between};
use authx_tests::redis::RedisProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[protect(route = "GET /p")]
async fn protected(claims: Claims) -> String {
    claims.sub
}

fn config(url: &str, fail_open: bool) -> AuthConfig {
    AuthConfig::builder()
        .secret_key("faults-test-secret-0123456789abcdef")
        .store_url(url)
        .store_timeout(Duration::from_millis(250))
        .store_fail_open(fail_open)
        .build()
}

async fn two_instances(config: AuthConfig) -> (Auth, Auth, TestServer, TestServer) {
    let a = Auth::connect(config.clone()).await.unwrap();
    let b = Auth::connect(config).await.unwrap();
    let sa = TestServer::start(routes![protected].with_state(a.clone())).await;
    let sb = TestServer::start(routes![protected].with_state(b.clone())).await;
    (a, b, sa, sb)
}

// ---------------------------------------------------------------- scenarios

/// Redis killed mid-load, then restarted on its append-only file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_load_fails_closed_recovers_and_loses_no_revocation() {
    let mut redis = RedisProcess::start().await;
    let (a, b, sa, sb) = two_instances(config(&redis.url(), false)).await;
    let live = a.tokens().create_access("live").unwrap();
    let revoked = a.tokens().create_access("revoked").unwrap();
    a.revocations()
        .revoke(&a.verify(&revoked).unwrap())
        .await
        .unwrap();
    let load = Load::start(&[&sa, &sb], &live, &revoked);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Revoked a moment before the crash: with appendfsync always, it must survive it.
    let last = b.tokens().create_access("last").unwrap();
    b.revocations()
        .revoke(&b.verify(&last).unwrap())
        .await
        .unwrap();
    redis.kill();
    let killed = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let restarting = Instant::now();
    redis.spawn().await;
    let back = Instant::now();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let samples = load.stop().await;

    always(&samples);
    let refused = unavailable_between(&samples, killed + Duration::from_millis(50), restarting);
    assert!(refused > 20, "only {refused} requests during the outage");
    let recovery = recovered_after(&samples, back);
    println!("redis: {refused} refused with 503 during the outage, recovered {recovery:?} after");
    assert!(
        recovery <= Duration::from_secs(2),
        "recovered after {recovery:?}"
    );
    for auth in [&a, &b] {
        assert!(matches!(
            auth.verify_unrevoked(&last).await,
            Err(authx::AuthError::Revoked)
        ));
        assert!(auth.verify_unrevoked(&live).await.is_ok());
    }
}

/// PostgreSQL's connections of this app terminated again and again for a second, mid-load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_killed_mid_load_recover_and_lose_no_revocation() {
    let base = std::env::var("AUTHX_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let app_name = format!(
        "authx_faults_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}application_name={app_name}");
    let (a, b, sa, sb) = two_instances(config(&url, false)).await;
    let live = a.tokens().create_access("live").unwrap();
    let revoked = a.tokens().create_access("revoked").unwrap();
    a.revocations()
        .revoke(&a.verify(&revoked).unwrap())
        .await
        .unwrap();
    let load = Load::start(&[&sa, &sb], &live, &revoked);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let last = b.tokens().create_access("last").unwrap();
    b.revocations()
        .revoke(&b.verify(&last).unwrap())
        .await
        .unwrap();
    let killer = {
        use sqlx::Connection;
        sqlx::PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} is unreachable: {e}"))
    };
    let mut killer = killer;
    let mut terminated = 0;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(1) {
        let killed: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        )
        .bind(&app_name)
        .fetch_all(&mut killer)
        .await
        .unwrap();
        terminated += killed.len();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stopped_killing = Instant::now();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let samples = load.stop().await;

    always(&samples);
    assert!(
        terminated > 0,
        "no connection of the app was found to terminate"
    );
    for s in &samples {
        assert!(
            s.status == 200
                || s.status == 401 && s.revoked
                || (s.status, s.error_type.as_deref()) == (503, Some("StoreUnavailableError")),
            "{s:?}"
        );
    }
    let recovery = recovered_after(&samples, stopped_killing);
    println!("postgres: {terminated} connections terminated, recovered {recovery:?} after");
    assert!(
        recovery <= Duration::from_secs(2),
        "recovered after {recovery:?}"
    );
    for auth in [&a, &b] {
        assert!(matches!(
            auth.verify_unrevoked(&last).await,
            Err(authx::AuthError::Revoked)
        ));
    }
}

/// Counts the fail-open warnings authx logs (one per request let through).
fn fail_open_warnings() -> Arc<AtomicUsize> {
    static COUNT: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    COUNT
        .get_or_init(|| {
            use tracing_subscriber::layer::SubscriberExt;
            let count = Arc::new(AtomicUsize::new(0));
            let layer = Counter(count.clone());
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
                .unwrap();
            count
        })
        .clone()
}

struct Counter(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Counter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(bool);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 |= format!("{value:?}").contains("store_fail_open");
                }
            }
        }
        let mut m = Message(false);
        event.record(&mut m);
        if m.0 && *event.metadata().level() == tracing::Level::WARN {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// `store_fail_open = true`: while Redis is gone, requests pass, and each one is logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_open_lets_requests_through_and_logs_each_one() {
    let warnings = fail_open_warnings();
    let mut redis = RedisProcess::start().await;
    let (a, _b, sa, sb) = two_instances(config(&redis.url(), true)).await;
    let live = a.tokens().create_access("live").unwrap();
    let other = a.tokens().create_access("other").unwrap();
    redis.kill();
    let before = warnings.load(Ordering::SeqCst);
    let load = Load::start(&[&sa, &sb], &live, &other);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let samples = load.stop().await;
    let logged = warnings.load(Ordering::SeqCst) - before;
    assert!(samples.len() > 20, "too little load: {}", samples.len());
    for s in &samples {
        assert_eq!(s.status, 200, "fail-open lets every request through: {s:?}");
    }
    assert!(
        logged >= samples.len(),
        "{logged} fail-open warnings for {} requests",
        samples.len()
    );
}

// ---------------------------------------------------------------- a slow store

/// A TCP proxy in front of Redis that, while `slow` is set, holds every reply for 2 s.
struct SlowProxy {
    addr: SocketAddr,
    slow: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    /// The proxy's own live tasks (its accept loop, two per open connection), so the app's can
    /// be told from them.
    tasks: Arc<AtomicUsize>,
}

/// Counts a task as live until dropped.
struct Live(Arc<AtomicUsize>);

impl Live {
    fn new(n: &Arc<AtomicUsize>) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Live(n.clone())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SlowProxy {
    async fn start(upstream: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let slow = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let tasks = Arc::new(AtomicUsize::new(0));
        let (s, n, t) = (slow.clone(), connections.clone(), tasks.clone());
        tokio::spawn(async move {
            let _live = Live::new(&t);
            while let Ok((client, _)) = listener.accept().await {
                n.fetch_add(1, Ordering::SeqCst);
                let slow = s.clone();
                let t = t.clone();
                tokio::spawn(async move {
                    let _live = Live::new(&t);
                    let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                    else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let up_live = Live::new(&t);
                    let up = tokio::spawn(async move {
                        let _live = up_live;
                        tokio::io::copy(&mut cr, &mut sw).await
                    });
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = sr.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        if slow.load(Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_secs(2)).await;
                        }
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    up.abort();
                });
            }
        });
        SlowProxy {
            addr,
            slow,
            connections,
            tasks,
        }
    }
}

/// Replies held past `store_timeout`: 503 within the timeout (not when the reply comes), then
/// recovery, with no task or connection left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_store_answers_503_within_the_timeout_and_leaks_nothing() {
    let redis = RedisProcess::start().await;
    let proxy = SlowProxy::start(redis.port).await;
    let url = format!("redis://{}", proxy.addr);
    let (a, _b, sa, sb) = two_instances(config(&url, false)).await;
    let live = a.tokens().create_access("live").unwrap();
    let revoked = a.tokens().create_access("revoked").unwrap();
    a.revocations()
        .revoke(&a.verify(&revoked).unwrap())
        .await
        .unwrap();
    // The app's tasks: every live task but the proxy's.
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
            - proxy.tasks.load(Ordering::SeqCst)
    };

    // Warm, then settle: the baseline counts.
    Load::start(&[&sa, &sb], &live, &revoked).stop().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (tasks_before, conns_before) = (tasks(), proxy.connections.load(Ordering::SeqCst));

    // Two slow spells: each must end the same way, with nothing left over from the last.
    let mut after = Vec::new();
    for _ in 0..2 {
        let load = Load::start(&[&sa, &sb], &live, &revoked);
        tokio::time::sleep(Duration::from_millis(300)).await;
        proxy.slow.store(true, Ordering::SeqCst);
        let slowed = Instant::now();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let unslowed = Instant::now();
        proxy.slow.store(false, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(3000)).await;
        let samples = load.stop().await;

        always(&samples);
        // A request that began once replies were held waited for the timeout, not for the reply.
        let held: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.start >= slowed + Duration::from_millis(50) && s.end < unslowed)
            .collect();
        assert!(
            held.len() > 10,
            "only {} requests while the store was slow",
            held.len()
        );
        for s in &held {
            assert_eq!(
                (s.status, s.error_type.as_deref()),
                (503, Some("StoreUnavailableError")),
                "{s:?}"
            );
            assert!(s.end - s.start < Duration::from_millis(750), "{s:?}");
        }
        let recovery = recovered_after(&samples, unslowed);
        println!(
            "slow store: {} held requests got 503, recovered {recovery:?} after",
            held.len()
        );
        assert!(
            recovery <= Duration::from_secs(4),
            "recovered after {recovery:?}"
        );

        tokio::time::sleep(Duration::from_millis(1500)).await;
        after.push((tasks(), proxy.connections.load(Ordering::SeqCst)));
    }
    println!(
        "tasks and store connections: {tasks_before}/{conns_before} before, {after:?} after each spell"
    );
    // A held connection is replaced once per spell at most; the tasks it needed end with it.
    let (tasks_first, _) = after[0];
    for (i, (tasks, conns)) in after.iter().enumerate() {
        assert!(
            *tasks <= tasks_before + 1 && *tasks == tasks_first,
            "tasks {tasks_before} -> {after:?}"
        );
        assert!(
            *conns <= conns_before + i + 1,
            "store connections {conns_before} -> {after:?}"
        );
    }
}
