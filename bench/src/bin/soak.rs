//! The soak: millions of requests at the quickstart (run as its own process) on one store or
//! each of them, with 100k distinct tokens of which 1% are revoked (logged out) half-way, logins
//! and refreshes, and a rate-limited route. Reports the server's RSS over time, p50/p99 latency
//! and every unexpected answer, and checks the goals: zero 5xx, no revoked token accepted after
//! its revocation, exact rate-limit counts, RSS flat after warm-up. Run by `bench/soak` (not in
//! CI):
//!
//! ```sh
//! cargo build --release -p authx-examples --example quickstart --features openapi,metrics,redis,postgres
//! cargo run --release -p authx-bench --bin soak -- [--store memory|redis|postgres|all] [--requests N]
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use authx::{Auth, AuthConfig};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

const SECRET: &str = "soak-secret-0123456789abcdef0123456789";

struct Args {
    stores: Vec<String>,
    requests: u64,
    tokens: usize,
    concurrency: usize,
    quickstart: String,
}

fn args() -> Args {
    let mut a = Args {
        stores: vec!["memory".into(), "redis".into(), "postgres".into()],
        requests: 2_000_000,
        tokens: 100_000,
        concurrency: 32,
        quickstart: "target/release/examples/quickstart".into(),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let v = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--store" if v != "all" => a.stores = vec![v],
            "--store" => {}
            "--requests" => a.requests = v.parse().expect("--requests N"),
            "--tokens" => a.tokens = v.parse().expect("--tokens N"),
            "--concurrency" => a.concurrency = v.parse().expect("--concurrency N"),
            "--quickstart" => a.quickstart = v,
            other => panic!("unknown option {other}"),
        }
    }
    a
}

fn store_url(store: &str) -> String {
    match store {
        "memory" => "memory://".into(),
        "redis" => authx_bench::redis_url(),
        "postgres" => authx_bench::postgres_url(),
        other => panic!("unknown store {other}"),
    }
}

/// The quickstart, as its own process on a free port.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(binary: &str, store: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary)
            .env("PORT", port.to_string())
            .env("AUTHX_SECRET_KEY", SECRET)
            .env("AUTHX_STORE_URL", store_url(store))
            .env("AUTHX_TRUSTED_PROXIES", "127.0.0.1/32")
            .env("AUTHX_TOKEN_LOCATION", "headers")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary} ({e}): build it first (see --help)"));
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        // Owned at once: killed and reaped when dropped, on every path.
        let server = Server { child, addr };
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the quickstart did not listen on {addr} within 30 s");
    }

    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

/// One keep-alive connection.
struct Conn(hyper::client::conn::http1::SendRequest<Full<Bytes>>);

impl Conn {
    async fn open(addr: SocketAddr) -> Conn {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(conn);
        Conn(sender)
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> (u16, Bytes) {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "soak");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .unwrap();
        let res = self.0.send_request(req).await.expect("send");
        let status = res.status().as_u16();
        (
            status,
            res.into_body().collect().await.expect("body").to_bytes(),
        )
    }
}

/// What one run saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    statuses: HashMap<u16, u64>,
    unexpected: Vec<String>,
    revoked_accepted: u64,
    /// Per rate-limited client IP: (200s, 429s).
    limited: HashMap<u64, (u32, u32)>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        for (k, v) in other.statuses {
            *self.statuses.entry(k).or_default() += v;
        }
        self.unexpected.extend(other.unexpected);
        self.revoked_accepted += other.revoked_accepted;
        for (ip, (ok, no)) in other.limited {
            let e = self.limited.entry(ip).or_default();
            e.0 += ok;
            e.1 += no;
        }
    }

    fn expect(&mut self, what: &str, got: u16, expected: &[u16]) {
        *self.statuses.entry(got).or_default() += 1;
        if !expected.contains(&got) && self.unexpected.len() < 20 {
            self.unexpected.push(format!("{what}: {got}"));
        }
    }
}

/// The shared state of one run.
struct Run {
    addr: SocketAddr,
    tokens: Vec<String>,
    revoked: Vec<AtomicBool>,
    next: AtomicU64,
    requests: u64,
}

fn client_ip(n: u64) -> String {
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

async fn worker(run: Arc<Run>) -> Tally {
    let mut conn = Conn::open(run.addr).await;
    let mut t = Tally::default();
    loop {
        let i = run.next.fetch_add(1, Ordering::SeqCst);
        if i >= run.requests {
            return t;
        }
        let started = Instant::now();
        match i % 100 {
            // Logins (each from its own client IP, under the 10/60s login limit), then a
            // refresh of the pair.
            95 | 96 => {
                let ip = client_ip(1_000_000 + i / 50);
                let body = r#"{"username":"user1","password":"password1"}"#.to_owned();
                let (status, bytes) = conn
                    .send("POST", "/login", &[("x-forwarded-for", &ip)], Some(body))
                    .await;
                t.expect("login", status, &[200]);
                if status == 200 && i % 100 == 96 {
                    let pair: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                    let refresh = format!("Bearer {}", pair["refresh_token"].as_str().unwrap());
                    let (status, _) = conn
                        .send("POST", "/refresh", &[("authorization", &refresh)], None)
                        .await;
                    t.expect("refresh", status, &[200]);
                }
            }
            // The rate-limited route: each client IP gets exactly 8 requests; 5 must pass.
            97 | 98 => {
                let n = (i / 100) * 2 + (i % 100 - 97);
                let ip = n / 8;
                let (status, _) = conn
                    .send(
                        "GET",
                        "/limited",
                        &[("x-forwarded-for", &client_ip(ip))],
                        None,
                    )
                    .await;
                t.expect("limited", status, &[200, 429]);
                let e = t.limited.entry(ip).or_default();
                if status == 200 {
                    e.0 += 1;
                } else if status == 429 {
                    e.1 += 1;
                }
            }
            _ => {
                let k = (i.wrapping_mul(2_654_435_761) % run.tokens.len() as u64) as usize;
                let was_revoked = run.revoked[k].load(Ordering::SeqCst);
                let auth = format!("Bearer {}", run.tokens[k]);
                let (status, _) = conn
                    .send("GET", "/protected", &[("authorization", &auth)], None)
                    .await;
                if was_revoked {
                    t.expect("revoked token", status, &[401]);
                    if status == 200 {
                        t.revoked_accepted += 1;
                    }
                } else {
                    // Revoked while this request was in flight: either answer is right.
                    t.expect("live token", status, &[200, 401]);
                }
            }
        }
        t.latencies_us
            .push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    f64::from(sorted[((sorted.len() - 1) as f64 * p) as usize]) / 1000.0
}

async fn soak(a: &Args, store: &str) -> bool {
    let server = Server::start(&a.quickstart, store).await;
    let signer = Auth::new(AuthConfig::builder().secret_key(SECRET).build()).unwrap();
    let tokens: Vec<String> = (0..a.tokens)
        .map(|i| {
            signer
                .access_token(format!("soak-{i}"))
                .expires_in(Duration::from_secs(3600))
                .issue()
                .unwrap()
        })
        .collect();
    let run = Arc::new(Run {
        addr: server.addr,
        revoked: (0..tokens.len()).map(|_| AtomicBool::new(false)).collect(),
        tokens,
        next: AtomicU64::new(0),
        requests: a.requests,
    });
    let started = Instant::now();
    let workers: Vec<_> = (0..a.concurrency)
        .map(|_| tokio::spawn(worker(run.clone())))
        .collect();

    // Half-way, 1% of the tokens are logged out; each counts as revoked once its logout
    // answered.
    let revoker = {
        let run = run.clone();
        tokio::spawn(async move {
            while run.next.load(Ordering::SeqCst) < run.requests / 2 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let mut conn = Conn::open(run.addr).await;
            let mut failed = 0;
            for k in (0..run.tokens.len()).step_by(100) {
                let auth = format!("Bearer {}", run.tokens[k]);
                let (status, _) = conn
                    .send("POST", "/logout", &[("authorization", &auth)], None)
                    .await;
                if status == 200 {
                    run.revoked[k].store(true, Ordering::SeqCst);
                } else {
                    failed += 1;
                }
            }
            failed
        })
    };
    let mut rss = Vec::new();
    while run.next.load(Ordering::SeqCst) < run.requests {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let done = run.next.load(Ordering::SeqCst).min(run.requests);
        rss.push((started.elapsed().as_secs(), done, server.rss_mib()));
    }
    let mut tally = Tally::default();
    for w in workers {
        tally.merge(w.await.unwrap());
    }
    let logout_failures = revoker.await.unwrap();
    let elapsed = started.elapsed();
    tally.latencies_us.sort_unstable();

    let five_xx: u64 = tally
        .statuses
        .iter()
        .filter(|(s, _)| **s >= 500)
        .map(|(_, n)| n)
        .sum();
    let full_groups = tally.limited.iter().filter(|(_, (ok, no))| ok + no == 8);
    let (exact, inexact) = full_groups.fold(
        (0, 0),
        |(e, x), (_, (ok, _))| {
            if *ok == 5 { (e + 1, x) } else { (e, x + 1) }
        },
    );
    // Warm-up: the first 10% of the run. RSS after it is compared with the end.
    let warm = rss
        .iter()
        .find(|(_, done, _)| *done >= a.requests / 10)
        .map_or(0.0, |r| r.2);
    let peak = rss.iter().map(|r| r.2).fold(0.0, f64::max);
    let last = rss.last().map_or(0.0, |r| r.2);
    // The memory store keeps in the process what the others keep in the database: every
    // session a login made (each with its token family), up to its capacity. Allowed for: 1 KiB
    // per login.
    let logins = a.requests / 50;
    let in_process_state = if store == "memory" {
        logins as f64 / 1024.0
    } else {
        0.0
    };
    let mut statuses: Vec<_> = tally.statuses.iter().collect();
    statuses.sort();

    println!(
        "== {store}: {} requests in {:.1} s ({:.0} req/s)",
        a.requests,
        elapsed.as_secs_f64(),
        a.requests as f64 / elapsed.as_secs_f64()
    );
    println!(
        "   latency p50 {:.3} ms, p99 {:.3} ms",
        pct(&tally.latencies_us, 0.5),
        pct(&tally.latencies_us, 0.99)
    );
    println!(
        "   statuses {statuses:?}; 5xx {five_xx}; unexpected {:?}",
        tally.unexpected
    );
    println!(
        "   revoked tokens accepted after their revocation: {}; failed logouts: {logout_failures}",
        tally.revoked_accepted
    );
    println!("   rate limit: {exact} client IPs with exactly 5 of 8, {inexact} otherwise");
    println!(
        "   server RSS: {warm:.1} MiB after warm-up, {peak:.1} MiB peak, {last:.1} MiB at the end"
    );
    let series: Vec<String> = rss
        .iter()
        .step_by((rss.len() / 12).max(1))
        .map(|(s, _, m)| format!("{s}s:{m:.0}"))
        .collect();
    println!("   RSS over time (MiB): {}", series.join(" "));
    let ok = five_xx == 0
        && tally.revoked_accepted == 0
        && logout_failures == 0
        && inexact == 0
        && tally.unexpected.is_empty()
        && last <= warm * 1.5 + 16.0 + in_process_state;
    println!("   goals: {}", if ok { "met" } else { "NOT met" });
    ok
}

#[tokio::main]
async fn main() {
    let a = args();
    let mut all = true;
    for store in &a.stores {
        all &= soak(&a, store).await;
    }
    std::process::exit(if all { 0 } else { 1 });
}
