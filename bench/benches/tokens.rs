//! Micro-benchmarks: issuing and verifying tokens per algorithm, finding the token in a request,
//! and scope matching. `cargo bench -p authx-bench --bench tokens`.

use authx::config::VerifyCacheMode;
use authx::{Algorithm, Auth, AuthConfig, TokenLocation, TokenType};
use authx_spec::ScopeMode;
use authx_spec::scope::satisfies;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{DecodingKey, Validation};
use std::hint::black_box;

const RSA_PRIVATE: &str = include_str!("../../tests/fixtures/python_authx/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("../../tests/fixtures/python_authx/rsa_public.pem");
const EC_PRIVATE: &str = include_str!("../../tests/fixtures/python_authx/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/python_authx/ec_public.pem");
const ED_PRIVATE: &str = include_str!("../../tests/fixtures/python_authx/ed25519_private.pem");
const ED_PUBLIC: &str = include_str!("../../tests/fixtures/python_authx/ed25519_public.pem");
const EC384_PRIVATE: &str = include_str!("../../tests/fixtures/python_authx/ec384_private.pem");
const EC384_PUBLIC: &str = include_str!("../../tests/fixtures/python_authx/ec384_public.pem");
const SECRET: &str = "bench-secret-0123456789abcdef0123456789";

/// Every algorithm family, with its key pair (PEM) or secret.
fn keyed() -> Vec<(Algorithm, &'static str, &'static str)> {
    vec![
        (Algorithm::HS256, SECRET, SECRET),
        (Algorithm::RS256, RSA_PRIVATE, RSA_PUBLIC),
        (Algorithm::PS256, RSA_PRIVATE, RSA_PUBLIC),
        (Algorithm::ES256, EC_PRIVATE, EC_PUBLIC),
        (Algorithm::ES384, EC384_PRIVATE, EC384_PUBLIC),
        (Algorithm::EdDSA, ED_PRIVATE, ED_PUBLIC),
    ]
}

fn engine(alg: Algorithm, private: &str, public: &str, cache: VerifyCacheMode) -> Auth {
    let b = AuthConfig::builder().algorithm(alg).verify_cache(cache);
    let b = if alg.is_hmac() {
        b.secret_key(private)
    } else {
        b.private_key(private).public_key(public)
    };
    Auth::new(b.build()).unwrap()
}

/// The claims a hand-written service reads.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Bare {
    sub: String,
    jti: String,
    #[serde(rename = "type")]
    token_type: String,
    exp: i64,
    scopes: Vec<String>,
}

/// Per algorithm: authx's full verify (signature and every claim, cache off), the same token
/// through bare jsonwebtoken (`decode` with the same key: signature, `exp`, claims into a
/// struct), and authx with the verified-signature cache (a repeated token). The backend is the
/// one authx selects: run once as is (`rust-crypto`) and once with
/// `--features authx/aws-lc-rs`.
fn verify_vs_bare(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("verify_vs_bare/{}", authx::token::crypto_backend()));
    for (alg, private, public) in keyed() {
        let auth = engine(alg, private, public, VerifyCacheMode::Off);
        let cached = engine(alg, private, public, VerifyCacheMode::All);
        let token = auth
            .tokens()
            .access("user-1")
            .scopes(["users:read"])
            .issue()
            .unwrap();
        let key = if alg.is_hmac() {
            DecodingKey::from_secret(public.as_bytes())
        } else if alg.to_string().starts_with("ES") {
            DecodingKey::from_ec_pem(public.as_bytes()).unwrap()
        } else if alg == Algorithm::EdDSA {
            DecodingKey::from_ed_pem(public.as_bytes()).unwrap()
        } else {
            DecodingKey::from_rsa_pem(public.as_bytes()).unwrap()
        };
        let jwt_alg: jsonwebtoken::Algorithm = alg.to_string().parse().unwrap();
        let mut validation = Validation::new(jwt_alg);
        validation.set_required_spec_claims(&["exp"]);
        g.bench_function(format!("{alg}/authx"), |b| {
            b.iter(|| auth.verify(black_box(&token)).unwrap())
        });
        g.bench_function(format!("{alg}/jsonwebtoken"), |b| {
            b.iter(|| jsonwebtoken::decode::<Bare>(black_box(&token), &key, &validation).unwrap())
        });
        g.bench_function(format!("{alg}/authx-cached"), |b| {
            b.iter(|| cached.verify(black_box(&token)).unwrap())
        });
    }
    g.finish();
}

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
                auth.tokens()
                    .access("user-1")
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
            .tokens()
            .access("user-1")
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
    let token = auth.tokens().create_access("user-1").unwrap();
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

criterion_group!(benches, issue_and_verify, verify_vs_bare, locate, scopes);
criterion_main!(benches);
