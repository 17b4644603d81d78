//! Steady load at a few app instances with bounded concurrency, and what its answers must
//! show while a store fails, slows down or fails over.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::TestServer;

/// One answer: when the request started and ended, its status and error type, and whether
/// its token was revoked.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When the request was sent.
    pub start: Instant,
    /// When its answer was read.
    pub end: Instant,
    /// Its status.
    pub status: u16,
    /// The JSON body's `error_type`, if any.
    pub error_type: Option<String>,
    /// Whether its token was the revoked one.
    pub revoked: bool,
}

/// Steady traffic at both instances from 8 workers, alternating instances and tokens (one
/// live, one revoked), until stopped.
pub struct Load {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    pub fn start(servers: &[&TestServer], live: &str, revoked: &str) -> Self {
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

    /// Stops the workers and returns every answer.
    pub async fn stop(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.expect("a load worker panicked");
        }
        Arc::try_unwrap(self.samples).unwrap().into_inner().unwrap()
    }
}

/// What holds whatever the store does: no 500, every answer within 1 s, no 200 for a revoked
/// token.
pub fn always(samples: &[Sample]) {
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
pub fn unavailable_between(samples: &[Sample], from: Instant, to: Instant) -> usize {
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
pub fn recovered_after(samples: &[Sample], from: Instant) -> Duration {
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
