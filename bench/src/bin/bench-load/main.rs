//! Harness v2's own load generator, for machines without wrk: `bench-load --addr HOST:PORT
//! [--path /] [--connections 32] [--duration SECS] [--threads 1] (--token T | --tokens FILE)`.
//!
//! Keep-alive HTTP/1.1 over hyper: `connections` connections, each sending one request after
//! another until the time is up, with `Authorization: Bearer` one token or the tokens of
//! `FILE` (one a line, each connection cycling from its own offset). Prints one line:
//! `requests=N errors=E seconds=S p50_us=X p99_us=Y` (latencies from every sample, sorted);
//! an error is an answer other than 200 or a failed connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::HeaderValue;
use hyper_util::rt::TokioIo;

struct Args {
    addr: SocketAddr,
    path: String,
    connections: usize,
    duration: Duration,
    threads: usize,
    tokens: Vec<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: bench-load --addr HOST:PORT [--path /] [--connections 32] [--duration SECS] \
         [--threads 1] (--token T | --tokens FILE)"
    );
    std::process::exit(2)
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut a = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        path: "/".into(),
        connections: 32,
        duration: Duration::from_secs(5),
        threads: 1,
        tokens: Vec::new(),
    };
    for pair in argv.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_else(|| usage());
        let number = || value.parse::<f64>().unwrap_or_else(|_| usage());
        match pair[0].as_str() {
            "--addr" => a.addr = value.parse().unwrap_or_else(|_| usage()),
            "--path" => a.path = value,
            "--connections" => a.connections = (number() as usize).clamp(1, 1024),
            "--duration" => a.duration = Duration::from_secs_f64(number().clamp(0.1, 600.0)),
            "--threads" => a.threads = (number() as usize).clamp(1, 64),
            "--token" => a.tokens = vec![value],
            "--tokens" => {
                let text = std::fs::read_to_string(&value)
                    .unwrap_or_else(|e| panic!("cannot read {value}: {e}"));
                a.tokens = text.lines().map(str::to_owned).collect();
            }
            _ => usage(),
        }
    }
    if a.addr.port() == 0 || a.tokens.is_empty() {
        usage()
    }
    a
}

/// What one connection saw: answers, errors and latencies in nanoseconds.
#[derive(Default)]
struct Tally {
    requests: u64,
    errors: u64,
    latencies_ns: Vec<u32>,
}

async fn connection(
    addr: SocketAddr,
    path: Arc<str>,
    headers: Arc<Vec<HeaderValue>>,
    first: usize,
    deadline: Instant,
) -> Tally {
    let mut t = Tally {
        latencies_ns: Vec::with_capacity(1 << 16),
        ..Tally::default()
    };
    let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
        t.errors += 1;
        return t;
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    else {
        t.errors += 1;
        return t;
    };
    tokio::spawn(conn);
    let mut i = first;
    while Instant::now() < deadline {
        let req = hyper::Request::get(&*path)
            .header("host", "bench")
            .header("authorization", headers[i].clone())
            .body(Empty::<Bytes>::new())
            .expect("request");
        i = (i + 1) % headers.len();
        let started = Instant::now();
        let Ok(res) = sender.send_request(req).await else {
            t.errors += 1;
            break;
        };
        let ok = res.status() == 200;
        if res.into_body().collect().await.is_err() || !ok {
            t.errors += 1;
            continue;
        }
        let ns = started.elapsed().as_nanos();
        t.latencies_ns.push(u32::try_from(ns).unwrap_or(u32::MAX));
        t.requests += 1;
    }
    t
}

fn percentile_us(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

fn main() {
    let a = args();
    let runtime = if a.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(a.threads);
        b
    }
    .enable_all()
    .build()
    .expect("runtime");
    runtime.block_on(async {
        let headers: Arc<Vec<HeaderValue>> = Arc::new(
            a.tokens
                .iter()
                .map(|t| HeaderValue::from_str(&format!("Bearer {t}")).expect("token header"))
                .collect(),
        );
        let path: Arc<str> = a.path.as_str().into();
        let started = Instant::now();
        let deadline = started + a.duration;
        let stride = (headers.len() / a.connections).max(1);
        let tasks: Vec<_> = (0..a.connections)
            .map(|c| {
                let first = (c * stride) % headers.len();
                tokio::spawn(connection(
                    a.addr,
                    path.clone(),
                    headers.clone(),
                    first,
                    deadline,
                ))
            })
            .collect();
        let mut all = Tally::default();
        for task in tasks {
            let t = task.await.expect("connection task");
            all.requests += t.requests;
            all.errors += t.errors;
            all.latencies_ns.extend(t.latencies_ns);
        }
        let seconds = started.elapsed().as_secs_f64();
        all.latencies_ns.sort_unstable();
        println!(
            "requests={} errors={} seconds={seconds:.3} p50_us={:.1} p99_us={:.1}",
            all.requests,
            all.errors,
            percentile_us(&all.latencies_ns, 0.50),
            percentile_us(&all.latencies_ns, 0.99)
        );
    });
}
