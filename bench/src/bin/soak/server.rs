//! The quickstart under soak, as its own process on a free port, and its memory.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) const SECRET: &str = "soak-secret-0123456789abcdef0123456789";

fn store_url(store: &str) -> String {
    match store {
        "memory" => "memory://".into(),
        "redis" => authx_bench::redis_url(),
        "postgres" => authx_bench::postgres_url(),
        other => panic!("unknown store {other}"),
    }
}

/// The quickstart, as its own process on a free port.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub(crate) async fn start(binary: &str, store: &str) -> Server {
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

    pub(crate) fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}
