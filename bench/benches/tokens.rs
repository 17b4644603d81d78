//! Micro-benchmarks: issuing and verifying tokens per algorithm, finding the token in a request,
//! and scope matching. `cargo bench -p authx-bench --bench tokens`.

use authx::{Algorithm, Auth, AuthConfig, TokenLocation, TokenType};
use authx_spec::ScopeMode;
use authx_spec::scope::satisfies;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const RSA_PRIVATE: &str = include_str!("../../tests/fixtures/python_authx/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("../../tests/fixtures/python_authx/rsa_public.pem");
const EC_PRIVATE: &str = include_str!("../../tests/fixtures/python_authx/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/python_authx/ec_public.pem");
const ED_PRIVATE: &str = include_str!("../../tests/fixtures/python_authx/ed25519_private.pem");
const ED_PUBLIC: &str = include_str!("../../tests/fixtures/python_authx/ed25519_public.pem");

fn engines() -> Vec<(&'static str, Auth)> {
    let b = || AuthConfig::builder();
    vec![
        (
            "HS256",
            Auth::new(
                b().secret_key("bench-secret-0123456789abcdef0123456789")
                    .build(),
            )
            .unwrap(),
        ),
        (
            "RS256",
            Auth::new(
                b().algorithm(Algorithm::RS256)
                    .private_key(RSA_PRIVATE)
                    .public_key(RSA_PUBLIC)
                    .build(),
            )
            .unwrap(),
        ),
        (
            "ES256",
            Auth::new(
                b().algorithm(Algorithm::ES256)
                    .private_key(EC_PRIVATE)
                    .public_key(EC_PUBLIC)
                    .build(),
            )
            .unwrap(),
        ),
        (
            "EdDSA",
            Auth::new(
                b().algorithm(Algorithm::EdDSA)
                    .private_key(ED_PRIVATE)
                    .public_key(ED_PUBLIC)
                    .build(),
            )
            .unwrap(),
        ),
    ]
}

fn issue_and_verify(c: &mut Criterion) {
    let mut issue = c.benchmark_group("issue");
    for (name, auth) in engines() {
        issue.bench_function(name, |b| {
            b.iter(|| {
                auth.access_token("user-1")
                    .scopes(["users:read"])
                    .issue()
                    .unwrap()
            })
        });
    }
    issue.finish();
    let mut verify = c.benchmark_group("verify");
    for (name, auth) in engines() {
        let token = auth
            .access_token("user-1")
            .scopes(["users:read"])
            .issue()
            .unwrap();
        verify.bench_function(name, |b| b.iter(|| auth.verify(black_box(&token)).unwrap()));
    }
    verify.finish();
}

fn locate(c: &mut Criterion) {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key("bench-secret-0123456789abcdef0123456789")
            .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
            .build(),
    )
    .unwrap();
    let token = auth.create_access_token("user-1").unwrap();
    let header = http::Request::get("/")
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let cookie = http::Request::get("/")
        .header(
            "cookie",
            format!("theme=dark; session=abc; access_token_cookie={token}; lang=en"),
        )
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let mut g = c.benchmark_group("locate");
    g.bench_function("header", |b| {
        b.iter(|| {
            auth.locate(black_box(&header), TokenType::Access)
                .unwrap()
                .unwrap()
        })
    });
    g.bench_function("cookie", |b| {
        b.iter(|| {
            auth.locate(black_box(&cookie), TokenType::Access)
                .unwrap()
                .unwrap()
        })
    });
    g.finish();
}

fn scopes(c: &mut Criterion) {
    let granted_20: Vec<String> = (0..19)
        .map(|i| format!("service{i}:resource:read"))
        .chain(["admin:*".to_owned()])
        .collect();
    let mut g = c.benchmark_group("scopes");
    g.bench_function("exact", |b| {
        b.iter(|| satisfies(black_box(&["users:read"]), &["users:read"], ScopeMode::All))
    });
    g.bench_function("wildcard", |b| {
        b.iter(|| {
            satisfies(
                black_box(&["admin:*"]),
                &["admin:users:delete"],
                ScopeMode::All,
            )
        })
    });
    g.bench_function("20 granted, 3 required", |b| {
        b.iter(|| {
            satisfies(
                black_box(&granted_20),
                &[
                    "admin:users",
                    "service7:resource:read",
                    "service18:resource:read",
                ],
                ScopeMode::All,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, issue_and_verify, locate, scopes);
criterion_main!(benches);
