//! One rate decision (GCRA) in memory and in Redis (one script call).
//!
//! `cargo bench -p authx-bench --bench rate`. Redis comes from `AUTHX_TEST_REDIS_URL`; when it is
//! unreachable it is reported and left out.

use std::time::Duration;

use authx::rate::{MemoryRateLimiter, RateLimiter};
use authx_bench::redis_url;
use criterion::{Criterion, criterion_group, criterion_main};

fn rate_decision(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("rate_decision");
    let memory = MemoryRateLimiter::new();
    // A generous rule, so every decision does the full read-modify-write.
    let (count, window) = (u32::MAX, Duration::from_secs(60));
    group.bench_function("memory", |b| {
        b.to_async(&rt).iter(|| async {
            memory
                .check("bench|ip:127.0.0.1", count, window)
                .await
                .expect("limiter")
        })
    });
    let redis = authx::store::RedisStore::with_prefix(&redis_url(), "authx-bench:").expect("url");
    if rt.block_on(redis.check("probe", 1, window)).is_ok() {
        group.bench_function("redis", |b| {
            b.to_async(&rt).iter(|| async {
                redis
                    .check("bench|ip:127.0.0.1", count, window)
                    .await
                    .expect("limiter")
            })
        });
    } else {
        eprintln!("redis: unreachable at {}, left out", redis_url());
    }
    group.finish();
}

criterion_group!(benches, rate_decision);
criterion_main!(benches);
