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
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use authx::{Auth, AuthConfig, Claims, protect, routes};
use authx_tests::TestServer;
use serde_json::Value;
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---------------------------------------------------------------- a redis-server of our own

/// A `redis-server` child process with its own directory (append-only file, fsync always).
struct RedisProcess {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl RedisProcess {
    async fn start() -> Self {
        let mut r = RedisProcess {
            child: None,
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
        };
        r.spawn().await;
        r
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start redis-server ({e}): these tests need it on the PATH")
            });
        self.child = Some(child);
        wait_for_port(self.port).await;
    }

    /// SIGKILL: no shutdown, no final save; only what the append-only file holds survives.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn wait_for_port(port: u16) {
    for _ in 0..500 {
        if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let mut buf = [0u8; 16];
            if s.write_all(b"PING\r\n").await.is_ok()
                && matches!(s.read(&mut buf).await, Ok(n) if buf[..n].starts_with(b"+PONG"))
            {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("redis-server did not answer on port {port} within 5 s");
}

// ---------------------------------------------------------------- load

/// One answer: when the request started and ended, its status and error type, and whether
/// its token was revoked.
#[derive(Debug, Clone)]
struct Sample {
    start: Instant,
    end: Instant,
    status: u16,
    error_type: Option<String>,
    revoked: bool,
}

/// Steady traffic at both instances from 8 workers, alternating instances and tokens (one
/// live, one revoked), until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(servers: &[&TestServer], live: &str, revoked: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let urls: Vec<String> = servers.iter().map(|s| s.url("/p")).collect();
        let tasks = (0..8)
            .map(|w| {
                let (stop, samples, urls) = (stop.clone(), samples.clone(), urls.clone());
                let (live, revoked) = (live.to_owned(), revoked.to_owned());
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let mut i = w;
                    while !stop.load(Ordering::SeqCst) {
                        i += 1;
                        let is_revoked = i % 4 == 0;
                        let token = if is_revoked { &revoked } else { &live };
                        let start = Instant::now();
                        let res = client
                            .get(&urls[i % urls.len()])
                            .bearer_auth(token)
                            .timeout(Duration::from_secs(5))
                            .send()
                            .await;
                        let (status, error_type) = match res {
                            Ok(r) => {
                                let status = r.status().as_u16();
                                let body: Option<Value> = r.json().await.ok();
                                let error_type =
                                    body.and_then(|b| b["error_type"].as_str().map(str::to_owned));
                                (status, error_type)
                            }
                            Err(e) => panic!("a request failed or hung: {e}"),
                        };
                        samples.lock().unwrap().push(Sample {
                            start,
                            end: Instant::now(),
                            status,
                            error_type,
                            revoked: is_revoked,
                        });
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                })
            })
            .collect();
        Load {
            stop,
            samples,
            tasks,
        }
    }

    async fn stop(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.expect("a load worker panicked");
        }
        Arc::try_unwrap(self.samples).unwrap().into_inner().unwrap()
    }
}

/// What holds whatever the store does: no 500, every answer within 1 s, no 200 for a revoked
/// token.
fn always(samples: &[Sample]) {
    assert!(samples.len() > 100, "too little load: {}", samples.len());
    for s in samples {
        assert_ne!(s.status, 500, "{s:?}");
        assert!(
            s.end - s.start <= Duration::from_secs(1),
            "an answer took {:?}: {s:?}",
            s.end - s.start
        );
        assert!(
            !(s.revoked && s.status == 200),
            "a revoked token passed: {s:?}"
        );
    }
}

/// Every request started in `[from, to)` got a 503 StoreUnavailableError.
fn unavailable_between(samples: &[Sample], from: Instant, to: Instant) -> usize {
    let during: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.start >= from && s.end < to)
        .collect();
    for s in &during {
        assert_eq!(
            (s.status, s.error_type.as_deref()),
            (503, Some("StoreUnavailableError")),
            "{s:?}"
        );
    }
    during.len()
}

/// How long after `from` the live token was accepted again on every instance, from then on.
fn recovered_after(samples: &[Sample], from: Instant) -> Duration {
    let last_failure = samples
        .iter()
        .filter(|s| s.start >= from && !s.revoked && s.status != 200)
        .map(|s| s.end)
        .max()
        .unwrap_or(from);
    let served = samples
        .iter()
        .filter(|s| s.start > last_failure && !s.revoked && s.status == 200)
        .count();
    assert!(
        served > 20,
        "the instances did not serve again after the store came back"
    );
    last_failure.saturating_duration_since(from)
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
    let live = a.create_access_token("live").unwrap();
    let revoked = a.create_access_token("revoked").unwrap();
    a.revoke(&a.verify(&revoked).unwrap()).await.unwrap();
    let load = Load::start(&[&sa, &sb], &live, &revoked);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Revoked a moment before the crash: with appendfsync always, it must survive it.
    let last = b.create_access_token("last").unwrap();
    b.revoke(&b.verify(&last).unwrap()).await.unwrap();
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
    let live = a.create_access_token("live").unwrap();
    let revoked = a.create_access_token("revoked").unwrap();
    a.revoke(&a.verify(&revoked).unwrap()).await.unwrap();
    let load = Load::start(&[&sa, &sb], &live, &revoked);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let last = b.create_access_token("last").unwrap();
    b.revoke(&b.verify(&last).unwrap()).await.unwrap();
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
    let live = a.create_access_token("live").unwrap();
    let other = a.create_access_token("other").unwrap();
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
    let live = a.create_access_token("live").unwrap();
    let revoked = a.create_access_token("revoked").unwrap();
    a.revoke(&a.verify(&revoked).unwrap()).await.unwrap();
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
