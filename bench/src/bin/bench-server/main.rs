//! One variant of harness v2 as its own server process:
//! `bench-server VARIANT [--port PORT] [--stdin-lifeline]` (port 0, the default, picks a free
//! one).
//!
//! Prints `pid=PID port=PORT variant=VARIANT` once it listens (stores connected, the
//! revocation list filled), then serves `GET /` until killed or, with `--stdin-lifeline`, until
//! its standard input closes (the harness holds it open: the server never outlives its driver). Redis and
//! PostgreSQL come from `AUTHX_TEST_REDIS_URL` and `AUTHX_TEST_POSTGRES_URL` (local defaults).

mod routes;

use std::io::{Read, Write};

fn usage() -> ! {
    eprintln!(
        "usage: bench-server VARIANT [--port PORT] [--stdin-lifeline]\nvariants: {}",
        routes::NAMES.join(", ")
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(variant) = argv.first().cloned() else {
        usage()
    };
    let (mut port, mut lifeline) = (0u16, false);
    let mut rest = argv[1..].iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--port" => {
                port = rest
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--stdin-lifeline" => lifeline = true,
            _ => usage(),
        }
    }
    let app = match routes::app(&variant).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("bench-server {variant}: {e}");
            std::process::exit(1)
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind loopback");
    let port = listener.local_addr().expect("local addr").port();
    println!("pid={} port={port} variant={variant}", std::process::id());
    std::io::stdout().flush().expect("stdout");
    // End with the driver: its end of our standard input closes when it exits, however it ends.
    if lifeline {
        std::thread::spawn(|| {
            let mut sink = [0u8; 64];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            std::process::exit(0)
        });
    }
    axum::serve(listener, app).await.expect("serve");
}
