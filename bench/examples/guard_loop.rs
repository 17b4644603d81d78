//! One variant of the guard bench in a plain loop, for profilers: `N` requests through
//! `tower::ServiceExt::oneshot` on a current-thread runtime, nothing else. Run it under
//! `perf record` or `valgrind --tool=callgrind` twice with two counts and take the difference:
//! that is the cost of one request, start-up excluded.
//!
//! ```sh
//! cargo build --release -p authx-bench --example guard_loop
//! valgrind --tool=callgrind target/release/examples/guard_loop protect 4000
//! ```
//!
//! Variants: `bare`, `handwritten`, `peer`, `protect`, `scopes`, and `distinct` (`protect`
//! with `TOKENS` distinct tokens, default 100,000, through a verified-token cache of `CAP`
//! entries, default 16,384, and `REVOKED` revoked token ids, default 0: the path of a token
//! not seen before); with `--features metrics`,
//! `metrics` (`protect` with a Prometheus recorder installed).

use authx::{Auth, AuthConfig, Stores};
use authx_bench::variants;
use axum::body::Body;
use tower::ServiceExt;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Memory stores holding `n` revoked token ids (none of them a token the loop sends).
fn revoked(rt: &tokio::runtime::Runtime, n: usize) -> Stores {
    let stores = Stores::memory();
    rt.block_on(async {
        for i in 0..n {
            let expires = authx_bench::now() + 24 * 3600;
            stores
                .revocation
                .revoke(&format!("bench-revoked-{i:07}"), expires)
                .await
                .expect("revoke");
        }
    });
    stores
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "protect".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let memory = variants::auth(Stores::memory());
    let app = match which.as_str() {
        "bare" => variants::bare(),
        "handwritten" => variants::baseline(),
        "peer" => variants::peer(),
        "protect" => variants::protect_access(memory.clone()),
        "scopes" => variants::protect_scopes(memory.clone()),
        #[cfg(feature = "metrics")]
        "metrics" => {
            let _handle = metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .expect("the only recorder");
            variants::protect_access(memory.clone())
        }
        "distinct" => variants::protect_access(
            Auth::builder(
                AuthConfig::builder()
                    .secret_key(variants::SECRET)
                    .audience(variants::AUDIENCE)
                    .verify_cache_capacity(env("CAP", 16_384))
                    .build(),
            )
            .stores(revoked(&rt, env("REVOKED", 0)))
            .build()
            .expect("config"),
        ),
        other => {
            eprintln!(
                "unknown variant {other}: bare, handwritten, peer, protect, scopes, distinct"
            );
            std::process::exit(2)
        }
    };
    let tokens = if which == "distinct" {
        env("TOKENS", 100_000)
    } else {
        1
    };
    let headers: Vec<String> = (0..tokens)
        .map(|i| {
            let token = memory
                .tokens()
                .access(format!("user-{i}"))
                .scopes(["admin:*"])
                .issue()
                .expect("token");
            format!("Bearer {token}")
        })
        .collect();
    rt.block_on(async {
        for i in 0..n {
            let req = http::Request::get("/")
                .header("authorization", &headers[i % headers.len()])
                .body(Body::empty())
                .expect("request");
            let res = app.clone().oneshot(req).await.expect("infallible");
            assert_eq!(res.status(), 200);
        }
    });
}
