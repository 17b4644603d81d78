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

mod client;
mod server;
mod traffic;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use authx::{Auth, AuthConfig};

use client::Conn;
use server::{SECRET, Server};
use traffic::{Run, Tally, worker};

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
                .tokens()
                .access(format!("soak-{i}"))
                .expires_in(Duration::from_secs(86_400))
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
    let mut cache = Vec::new();
    let mut scraper = Conn::open(run.addr).await;
    while run.next.load(Ordering::SeqCst) < run.requests {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let done = run.next.load(Ordering::SeqCst).min(run.requests);
        rss.push((started.elapsed().as_secs(), done, server.rss_mib()));
        cache.push(verify_cache_mib(&mut scraper).await);
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
    let step = (rss.len() / 12).max(1);
    let series: Vec<String> = rss
        .iter()
        .step_by(step)
        .map(|(s, _, m)| format!("{s}s:{m:.0}"))
        .collect();
    println!("   RSS over time (MiB): {}", series.join(" "));
    // Part of the RSS, bounded by its capacity: what the verified-token cache held then.
    let series: Vec<String> = rss
        .iter()
        .zip(&cache)
        .step_by(step)
        .map(|((s, _, _), m)| format!("{s}s:{m:.1}"))
        .collect();
    println!(
        "   of which the verified-token cache (MiB): {}",
        series.join(" ")
    );
    let ok = five_xx == 0
        && tally.revoked_accepted == 0
        && logout_failures == 0
        && inexact == 0
        && tally.unexpected.is_empty()
        && last <= warm * 1.5 + 16.0 + in_process_state;
    println!("   goals: {}", if ok { "met" } else { "NOT met" });
    ok
}

/// What the quickstart's verified-token cache holds, from its `/metrics`
/// (`authx_verify_cache_bytes`), in MiB.
async fn verify_cache_mib(conn: &mut Conn) -> f64 {
    let (_, body) = conn.send("GET", "/metrics", &[], None).await;
    String::from_utf8_lossy(&body)
        .lines()
        .find_map(|l| {
            l.strip_prefix("authx_verify_cache_bytes ")?
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |b| b / (1024.0 * 1024.0))
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
