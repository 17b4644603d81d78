//! Harness v2: every variant is its own server process, driven by a load generator in another
//! process; the servers' CPU time comes from `/proc/PID/stat`.
//!
//! ```text
//! cargo build --release -p authx-bench
//! cargo build --release -p authx-examples --example quickstart   # for the quickstart variant
//! target/release/harness2 [--quick] [--variants a,b,c] [--rounds 5] [--duration 5]
//!     [--warmup 2] [--connections 32] [--threads 1] [--load auto|wrk|own] [--quickstart PATH]
//! ```
//!
//! Starts `bench-server VARIANT` (beside this binary) for each variant and the quickstart
//! example, checks each answers `200` with its body, warms each up (thrown away), then runs
//! interleaved rounds: each round drives every variant once, the order rotating between rounds.
//! The load is wrk when installed (`--load auto`), else `bench-load` beside this binary. Each
//! round reads the server's utime + stime before and after: CPU µs per request. Prints per
//! variant the medians over rounds of req/s, p50, p99, CPU µs/request and auth cost (CPU over
//! bare axum's in the same round), then the ratio lines, each the median of per-round ratios.
//! No number here is asserted: the run reports, it never fails on a figure.

mod load;
mod report;
mod servers;

use std::path::PathBuf;

use authx::{Auth, Stores};
use authx_bench::variants;
use load::Load;
use report::{Results, Round};
use servers::{Server, Tokens};

/// Every variant, in the table's order.
const ALL: &[&str] = variants::HARNESS_VARIANTS;

/// How many distinct tokens the `distinct` variant's load cycles through.
const DISTINCT: usize = 100_000;

struct Args {
    variants: Vec<String>,
    rounds: usize,
    duration: u64,
    warmup: u64,
    connections: usize,
    threads: usize,
    load: String,
    quickstart: Option<PathBuf>,
}

fn usage() -> ! {
    eprintln!(
        "usage: harness2 [--quick] [--variants a,b,c] [--rounds N] [--duration SECS] \
         [--warmup SECS] [--connections N] [--threads N] [--load auto|wrk|own] \
         [--quickstart PATH]\nvariants: {}",
        ALL.join(",")
    );
    std::process::exit(2)
}

fn args() -> Args {
    let mut a = Args {
        variants: ALL.iter().map(|v| (*v).to_owned()).collect(),
        rounds: 5,
        duration: 5,
        warmup: 2,
        connections: 32,
        threads: 1,
        load: "auto".into(),
        quickstart: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut chosen = false;
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        if flag == "--quick" {
            (a.rounds, a.duration, a.warmup) = (2, 1, 1);
            if !chosen {
                a.variants = vec!["bare".into(), "protect".into()];
            }
            continue;
        }
        let value = it.next().cloned().unwrap_or_else(|| usage());
        let number = || value.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--variants" => {
                a.variants = value.split(',').map(str::to_owned).collect();
                chosen = true;
                if let Some(bad) = a.variants.iter().find(|v| !ALL.contains(&v.as_str())) {
                    eprintln!("unknown variant {bad}");
                    usage()
                }
            }
            "--rounds" => a.rounds = number().clamp(1, 50) as usize,
            "--duration" => a.duration = number().clamp(1, 120),
            "--warmup" => a.warmup = number().min(60),
            "--connections" => a.connections = number().clamp(1, 1024) as usize,
            "--threads" => a.threads = number().clamp(1, 16) as usize,
            "--load" => a.load = value,
            "--quickstart" => a.quickstart = Some(value.into()),
            _ => usage(),
        }
    }
    a
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The token every HS256 variant accepts: subject `admin`, scope `admin:*`, an hour to live.
fn token(auth: &Auth) -> String {
    auth.tokens()
        .access("admin")
        .scopes(["admin:*"])
        .expires_at(authx_bench::now() + 3600)
        .issue()
        .expect("token")
}

fn start(
    name: &str,
    dir: &std::path::Path,
    a: &Args,
    scratch: &std::path::Path,
) -> Result<Server, String> {
    let hs256 = variants::auth(Stores::memory());
    match name {
        "quickstart" => {
            let binary = a
                .quickstart
                .clone()
                .unwrap_or_else(|| dir.join("examples").join("quickstart"));
            servers::start_quickstart(&binary, variants::SECRET)
        }
        "es256" => servers::start_variant(dir, name, Tokens::One(token(&variants::es256_auth()))),
        "distinct" => {
            let file = scratch.join("tokens.txt");
            let tokens: Vec<String> = (0..DISTINCT).map(|_| token(&hs256)).collect();
            std::fs::write(&file, tokens.join("\n")).map_err(|e| e.to_string())?;
            servers::start_variant(dir, name, Tokens::File(file))
        }
        _ => servers::start_variant(dir, name, Tokens::One(token(&hs256))),
    }
}

/// One measured round: the load's figures and the server's CPU per request.
fn measure(
    server: &Server,
    load: &Load,
    a: &Args,
    ticks: f64,
    scratch: &std::path::Path,
) -> Result<Round, String> {
    let before = server.cpu_ticks()?;
    let run = load.run(server, a.connections, a.threads, a.duration, scratch)?;
    let after = server.cpu_ticks()?;
    let cpu_us = (after - before) as f64 * 1e6 / ticks / run.requests.max(1) as f64;
    Ok(Round { run, cpu_us })
}

fn main() {
    let a = args();
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().expect("exe dir").to_path_buf();
    let load = match a.load.as_str() {
        "wrk" => Load::Wrk,
        "own" => Load::Own(dir.join("bench-load")),
        "auto" if load::wrk_installed() => Load::Wrk,
        "auto" => Load::Own(dir.join("bench-load")),
        _ => usage(),
    };
    let scratch = std::env::temp_dir().join(format!("authx-harness2-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let ticks = servers::clock_ticks();
    println!(
        "harness v2: servers in their own processes, load from {}",
        load.name()
    );
    if servers::pinning() {
        println!(
            "servers pinned to cpu {}, load to cpu {} (taskset)",
            servers::SERVER_CPU,
            servers::LOAD_CPU
        );
    }
    println!(
        "{} cores, crypto backend {}, CLK_TCK {ticks}, {} connections, {} load thread(s), \
         {} rounds x {}s (warm-up {}s per variant, thrown away)",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        authx::token::crypto_backend(),
        a.connections,
        a.threads,
        a.rounds,
        a.duration,
        a.warmup
    );
    println!("loadavg at start: {}", loadavg());
    let mut list: Vec<(Server, Results)> = Vec::new();
    for name in &a.variants {
        let started = start(name, &dir, &a, &scratch).and_then(|server| {
            let body_bytes = servers::probe(&server)?;
            Ok((server, body_bytes))
        });
        match started {
            Ok((server, body_bytes)) => {
                println!("{name}: pid {} on {}", server.pid, server.addr);
                let results = Results {
                    name: name.clone(),
                    body_bytes,
                    rounds: Vec::new(),
                };
                list.push((server, results));
            }
            Err(e) => println!("{name} left out: {e}"),
        }
    }
    if a.warmup > 0 {
        for (server, _) in &list {
            if let Err(e) = load.run(server, a.connections, a.threads, a.warmup, &scratch) {
                println!("{} warm-up failed: {e}", server.name);
            }
        }
    }
    let n = list.len();
    for round in 0..a.rounds {
        for k in 0..n {
            let (server, results) = &mut list[(k + round) % n];
            let measured = measure(server, &load, &a, ticks, &scratch);
            if let Err(e) = &measured {
                println!("{} round {}: {e}", server.name, round + 1);
            }
            results.rounds.push(measured.ok());
        }
    }
    let results: Vec<Results> = list.into_iter().map(|(_, r)| r).collect();
    println!("medians over rounds (auth us/req: cpu us/req minus bare's, same round):");
    report::table(&results);
    println!("loadavg at end: {}", loadavg());
    report::ratios(&results);
    let _ = std::fs::remove_dir_all(&scratch);
}
