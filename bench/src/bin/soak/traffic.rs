//! The request mix a worker sends (tokens, logins and refreshes, the rate-limited route), and
//! the tally of what came back.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use crate::client::Conn;

/// What one run saw.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) latencies_us: Vec<u32>,
    pub(crate) statuses: HashMap<u16, u64>,
    pub(crate) unexpected: Vec<String>,
    pub(crate) revoked_accepted: u64,
    /// Per rate-limited client IP: (200s, 429s).
    pub(crate) limited: HashMap<u64, (u32, u32)>,
}

impl Tally {
    pub(crate) fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        for (k, v) in other.statuses {
            *self.statuses.entry(k).or_default() += v;
        }
        // At most 20 in all, as each worker keeps: a summary, not a log.
        let room = 20usize.saturating_sub(self.unexpected.len());
        self.unexpected
            .extend(other.unexpected.into_iter().take(room));
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
pub(crate) struct Run {
    pub(crate) addr: SocketAddr,
    pub(crate) tokens: Vec<String>,
    pub(crate) revoked: Vec<AtomicBool>,
    pub(crate) next: AtomicU64,
    pub(crate) requests: u64,
}

fn client_ip(n: u64) -> String {
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

pub(crate) async fn worker(run: Arc<Run>) -> Tally {
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
