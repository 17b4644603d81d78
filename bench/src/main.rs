//! The HTTP load harness: `cargo run --release -p authx-bench [-- --connections 32 --duration 3
//! --warmup 1 --rounds 3]`.
//!
//! Serves every variant of [`authx_bench::variants`] on a loopback port, then drives each with the
//! same keep-alive load (a fixed number of HTTP/1.1 connections, each sending one request after
//! another for a fixed time) from a hyper client in this process. Each round runs every variant
//! once, after a warm-up whose numbers are thrown away; the order rotates between rounds so
//! noise from the shared machine falls on all variants alike. Prints requests per second and
//! p50/p99 latency per variant with its ratio to (a), then the medians over rounds of the
//! per-round throughput ratios: `protect/peer` ((c) over axum-jwt-auth), `es256-cached/protect`
//! ((e) over (b)), `redis-nearcache/memory` ((f) over (c)), `postgres-nearcache/memory` ((g)
//! over (c)) and, as its last line, `protect/baseline throughput` ((b) over the hand-written
//! (a)). Bounded: `rounds × variants × (warmup + duration)` seconds.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use authx::Stores;
use authx_bench::variants;
use axum::Router;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

struct Args {
    connections: usize,
    duration: Duration,
    warmup: Duration,
    rounds: usize,
}

fn args() -> Args {
    let mut a = Args {
        connections: 32,
        duration: Duration::from_secs(3),
        warmup: Duration::from_secs(1),
        rounds: 3,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair
            .get(1)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_else(|| usage());
        match pair[0].as_str() {
            "--connections" => a.connections = value.clamp(1, 1024) as usize,
            "--duration" => a.duration = Duration::from_secs(value.clamp(1, 60)),
            "--warmup" => a.warmup = Duration::from_secs(value.min(30)),
            "--rounds" => a.rounds = value.clamp(1, 20) as usize,
            _ => usage(),
        }
    }
    a
}

fn usage() -> ! {
    eprintln!(
        "usage: authx-bench [--connections N] [--duration SECS] [--warmup SECS] [--rounds N]"
    );
    std::process::exit(2)
}

struct Variant {
    name: &'static str,
    addr: SocketAddr,
    token: String,
    requests: u64,
    elapsed: Duration,
    latencies_us: Vec<u32>,
    /// Requests per second in each round.
    rounds: Vec<f64>,
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// Keep-alive load on one connection until `deadline`: (requests, latencies in µs).
async fn connection(addr: SocketAddr, auth_header: String, deadline: Instant) -> (u64, Vec<u32>) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let mut latencies = Vec::with_capacity(64 * 1024);
    let mut n = 0;
    while Instant::now() < deadline {
        let req = hyper::Request::get("/")
            .header("host", "bench")
            .header("authorization", &auth_header)
            .body(Empty::<Bytes>::new())
            .expect("request");
        let started = Instant::now();
        let res = sender.send_request(req).await.expect("send");
        assert_eq!(res.status(), 200, "every variant must accept the token");
        res.into_body().collect().await.expect("body");
        latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        n += 1;
    }
    (n, latencies)
}

/// Runs `connections` connections for `duration` against one variant.
async fn load(
    addr: SocketAddr,
    token: &str,
    connections: usize,
    duration: Duration,
) -> (u64, Duration, Vec<u32>) {
    let header = format!("Bearer {token}");
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(connection(addr, header.clone(), deadline)))
        .collect();
    let (mut total, mut all) = (0, Vec::new());
    for t in tasks {
        let (n, lat) = t.await.expect("connection task");
        total += n;
        all.extend(lat);
    }
    (total, started.elapsed(), all)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

fn variant(name: &'static str, addr: SocketAddr, token: &str) -> Variant {
    Variant {
        name,
        addr,
        token: token.to_owned(),
        requests: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
        rounds: Vec::new(),
    }
}

/// Connects to `url` and proves it answers, or says why the variant is left out.
async fn store(url: &str, name: &str) -> Option<Stores> {
    match authx::store::connect(url).await {
        Ok(stores) if stores.revocation.is_revoked("probe").await.is_ok() => Some(stores),
        _ => {
            eprintln!("{name} left out: store unreachable at {url}");
            None
        }
    }
}

/// The median over rounds of the throughput ratio of `x` to `y`.
fn median_ratio(x: &Variant, y: &Variant) -> f64 {
    let mut r: Vec<f64> = x.rounds.iter().zip(&y.rounds).map(|(x, y)| x / y).collect();
    r.sort_by(f64::total_cmp);
    r.get(r.len() / 2).copied().unwrap_or(0.0)
}

#[tokio::main]
async fn main() {
    let a = args();
    let memory = variants::auth(Stores::memory());
    let token = variants::token(&memory);
    let es256 = variants::es256_auth();
    let mut list = vec![
        variant(
            "(a) axum + jsonwebtoken by hand",
            serve(variants::baseline()).await,
            &token,
        ),
        variant(
            "(b) #[protect(access)]",
            serve(variants::protect_access(memory.clone())).await,
            &token,
        ),
        variant(
            "(c) + scopes, memory revocation",
            serve(variants::protect_scopes(memory.clone())).await,
            &token,
        ),
        variant(
            "(e) (b) on ES256, cached signature",
            serve(variants::protect_access(es256.clone())).await,
            &variants::token(&es256),
        ),
        variant(
            "(p) axum-jwt-auth 0.7",
            serve(variants::peer()).await,
            &token,
        ),
        variant(
            "(z) bare axum, no auth",
            serve(variants::bare()).await,
            &token,
        ),
    ];
    let redis_url = authx_bench::redis_url();
    let postgres_url = authx_bench::postgres_url();
    if let Some(stores) = store(&redis_url, "(d)").await {
        let redis = variants::auth(stores);
        list.push(variant(
            "(d) + scopes, Redis revocation",
            serve(variants::protect_scopes(redis.clone())).await,
            &variants::token(&redis),
        ));
    }
    if let Some(stores) = store(&redis_url, "(f)").await {
        let near = variants::auth_near_cached(stores);
        list.push(variant(
            "(f) (d) with the near-cache",
            serve(variants::protect_scopes(near.clone())).await,
            &variants::token(&near),
        ));
    }
    if let Some(stores) = store(&postgres_url, "(g)").await {
        let near = variants::auth_near_cached(stores);
        list.push(variant(
            "(g) PostgreSQL with the near-cache",
            serve(variants::protect_scopes(near.clone())).await,
            &variants::token(&near),
        ));
    }
    eprintln!(
        "{} connections, {} rounds x {} variants x ({}s warm-up + {}s measured), {} cores, \
         crypto backend {}",
        a.connections,
        a.rounds,
        list.len(),
        a.warmup.as_secs(),
        a.duration.as_secs(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        authx::token::crypto_backend()
    );
    for round in 0..a.rounds {
        for k in 0..list.len() {
            let i = (k + round) % list.len();
            let v = &mut list[i];
            if !a.warmup.is_zero() {
                load(v.addr, &v.token, a.connections, a.warmup).await;
            }
            let (n, elapsed, lat) = load(v.addr, &v.token, a.connections, a.duration).await;
            v.rounds.push(n as f64 / elapsed.as_secs_f64());
            v.requests += n;
            v.elapsed += elapsed;
            v.latencies_us.extend(lat);
        }
    }
    println!(
        "{:<36} {:>12} {:>8} {:>10} {:>10}",
        "variant", "req/s", "vs (a)", "p50 ms", "p99 ms"
    );
    let mut rps = Vec::new();
    for v in &mut list {
        v.latencies_us.sort_unstable();
        rps.push(v.requests as f64 / v.elapsed.as_secs_f64());
    }
    for (v, r) in list.iter().zip(&rps) {
        println!(
            "{:<36} {:>12.0} {:>8.2} {:>10.3} {:>10.3}",
            v.name,
            r,
            r / rps[0],
            percentile(&v.latencies_us, 0.50),
            percentile(&v.latencies_us, 0.99)
        );
    }
    let by = |prefix: &str| list.iter().find(|v| v.name.starts_with(prefix));
    let ratio = |label: &str, x: &str, y: &str| match (by(x), by(y)) {
        (Some(x), Some(y)) => println!("{label} ratio: {:.2}", median_ratio(x, y)),
        _ => println!("{label} ratio: n/a (a variant was left out)"),
    };
    // Medians of the per-round ratios: noise from the shared machine falls on both sides.
    ratio("protect/peer", "(c)", "(p)");
    ratio("es256-cached/protect", "(e)", "(b)");
    ratio("redis-nearcache/memory", "(f)", "(c)");
    ratio("postgres-nearcache/memory", "(g)", "(c)");
    ratio("protect/baseline throughput", "(b)", "(a)");
}
