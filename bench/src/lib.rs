//! Shared pieces of the authx benchmarks: the variants compared by the criterion benches and
//! the HTTP load harness (`cargo run --release -p authx-bench`).
#![deny(missing_docs)]

pub mod variants;

/// The PostgreSQL URL the benchmarks use (`AUTHX_TEST_POSTGRES_URL`, local default).
pub fn postgres_url() -> String {
    std::env::var("AUTHX_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The Redis URL the benchmarks use (`AUTHX_TEST_REDIS_URL`, local default).
pub fn redis_url() -> String {
    std::env::var("AUTHX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
