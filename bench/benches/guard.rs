//! The guard end to end, in process (`tower::ServiceExt::oneshot`, no sockets): the same handler
//! behind a hand-written extractor, behind `#[protect]` (a token, or an API key), behind
//! axum-jwt-auth, and with no auth. `cargo bench -p authx-bench --bench guard`.

use authx::Stores;
use authx_bench::variants;
use axum::Router;
use axum::body::Body;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt;

fn guard(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let memory = variants::auth(Stores::memory());
    let token = variants::token(&memory);
    let bearer = format!("Bearer {token}");
    let key = rt.block_on(variants::api_key(&memory));
    let mut apps: Vec<(&str, Router, &str, String)> = vec![
        (
            "baseline hand-written",
            variants::baseline(),
            "authorization",
            bearer.clone(),
        ),
        (
            "protect(access)",
            variants::protect_access(memory.clone()),
            "authorization",
            bearer.clone(),
        ),
        (
            "protect(access, scopes) memory",
            variants::protect_scopes(memory.clone()),
            "authorization",
            bearer.clone(),
        ),
        (
            "protect(api_key, scopes) memory",
            variants::protect_api_key(memory.clone()),
            "x-api-key",
            key,
        ),
        (
            "peer axum-jwt-auth",
            variants::peer(),
            "authorization",
            bearer.clone(),
        ),
        (
            "bare axum, no auth",
            variants::bare(),
            "authorization",
            bearer.clone(),
        ),
    ];
    let redis = rt.block_on(async {
        let stores = authx::store::connect(&authx_bench::redis_url())
            .await
            .ok()?;
        stores.revocation.is_revoked("probe").await.ok()?;
        Some(variants::auth(stores))
    });
    match redis {
        Some(auth) => {
            apps.push((
                "protect(access, scopes) redis",
                variants::protect_scopes(auth.clone()),
                "authorization",
                format!("Bearer {}", variants::token(&auth)),
            ));
            // One round trip: the record, its revocation and its limits in one script.
            let key = rt.block_on(variants::api_key(&auth));
            apps.push((
                "protect(api_key, scopes) redis",
                variants::protect_api_key(auth.clone()),
                "x-api-key",
                key,
            ));
        }
        None => eprintln!(
            "redis unreachable at {}, left out",
            authx_bench::redis_url()
        ),
    }
    let mut g = c.benchmark_group("guard_oneshot");
    for (name, app, header_name, header) in apps {
        g.bench_function(name, |b| {
            b.to_async(&rt).iter(|| {
                let req = http::Request::get("/")
                    .header(header_name, &header)
                    .body(Body::empty())
                    .unwrap();
                let app = app.clone();
                async move {
                    let res = app.oneshot(req).await.unwrap();
                    assert_eq!(res.status(), 200);
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, guard);
criterion_main!(benches);
