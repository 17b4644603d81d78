//! A revocation check (the per-request store call) on every backend: a token and its session
//! in one `any_revoked` call, for a key that is revoked and one that is not.
//!
//! `cargo bench -p authx-bench --bench stores`. PostgreSQL and Redis come from the
//! `AUTHX_TEST_*` variables (local defaults); a backend that is unreachable is reported and
//! left out of the run.

use authx::Stores;
use authx_bench::{now, postgres_url, redis_url};
use criterion::{Criterion, criterion_group, criterion_main};

fn backends(rt: &tokio::runtime::Runtime) -> Vec<(&'static str, Stores)> {
    let dir = std::env::temp_dir().join("authx-bench");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.join("stores.db").display());
    let mut out = Vec::new();
    for (name, url) in [
        ("memory", "memory://".to_owned()),
        ("sqlite", sqlite),
        ("postgres", postgres_url()),
        ("redis", redis_url()),
    ] {
        let stores = rt.block_on(async {
            let stores = authx::store::connect(&url).await.ok()?;
            stores.revocation.is_revoked("probe").await.ok()?;
            Some(stores)
        });
        match stores {
            Some(s) => out.push((name, s)),
            None => eprintln!("{name}: unreachable at {url}, left out"),
        }
    }
    out
}

fn revocation_check(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("revocation_check");
    for (name, stores) in backends(&rt) {
        let revoked = format!("bench-{}", uuid::Uuid::new_v4());
        rt.block_on(stores.revocation.revoke(&revoked, now() + 3600))
            .expect("revoke");
        let sid = format!("sid:{}", uuid::Uuid::new_v4());
        let store = stores.revocation.clone();
        group.bench_function(format!("{name}/miss"), |b| {
            let key = format!("bench-miss-{}", uuid::Uuid::new_v4());
            b.to_async(&rt)
                .iter(|| async { store.any_revoked(&[&key, &sid]).await.expect("store") })
        });
        group.bench_function(format!("{name}/hit"), |b| {
            b.to_async(&rt)
                .iter(|| async { store.any_revoked(&[&revoked, &sid]).await.expect("store") })
        });
    }
    group.finish();
}

criterion_group!(benches, revocation_check);
criterion_main!(benches);
