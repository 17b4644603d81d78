//! Attacks on the verified-token cache (on by default, HMAC tokens too): a remembered token
//! must be refused whenever verifying it in full would refuse it. Over real HTTP, with
//! `Auth::verify` in process where only the codec matters.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use authx::clock::ManualClock;
use authx::config::AuthConfigBuilder;
use authx::jwks::IssuerConfig;
use authx::token::{KeyFile, SigningKeyEntry};
use authx::{Auth, AuthConfig, Claims, RefreshClaims, SessionMeta};
use authx_tests::{TestServer, client};
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

const P: &str = "/protected";
const R: &str = "/refresh";
const AUD: &str = "api";
const RSA_A: &str = include_str!("fixtures/python_authx/rsa_private.pem");
const RSA_B: &str = include_str!("fixtures/python_authx/rsa_old_private.pem");
const T: i64 = 1_800_000_000;

fn hs(f: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder) -> AuthConfig {
    let b = AuthConfig::builder().secret_key("cache-attack-secret-0123456789abcdef");
    f(b.issuer("https://auth.test").audience(AUD)).build()
}

fn clocked(config: AuthConfig, clock: &ManualClock) -> Auth {
    Auth::builder(config).clock(clock.clone()).build().unwrap()
}

async fn serve(auth: &Auth) -> TestServer {
    let app = Router::new()
        .route(P, get(|c: Claims| async move { c.sub }))
        .route(R, get(|c: RefreshClaims| async move { c.sub.clone() }))
        .with_state(auth.clone());
    TestServer::start(app).await
}

/// Status and body of `GET path` with `token` as a Bearer token.
async fn call(s: &TestServer, path: &str, token: &str) -> (u16, String) {
    let res = client().get(s.url(path)).bearer_auth(token);
    let res = res.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Asserts `n` calls answer `code` (the second and later are cache hits once cached).
async fn expect(s: &TestServer, path: &str, token: &str, code: u16, n: usize) {
    for _ in 0..n {
        let (got, body) = call(s, path, token).await;
        assert_eq!(got, code, "{path} with {token}: {body}");
    }
}

fn entries(auth: &Auth) -> usize {
    auth.keys().verify_cache_size().entries
}

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// `token` with the character at `i` of `part` (0 header, 1 payload, 2 signature) replaced by
/// the base64url character `xor` away from it.
fn flip(token: &str, part: usize, i: usize, xor: u8) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let at = ABC
        .iter()
        .position(|c| *c == parts[part].as_bytes()[i])
        .unwrap();
    let swapped = (ABC[(at as u8 ^ xor) as usize] as char).to_string();
    parts[part].replace_range(i..=i, &swapped);
    parts.join(".")
}

#[tokio::test]
async fn tampered_forms_of_a_cached_hmac_token_are_refused() {
    let auth = Auth::new(hs(|b| b)).unwrap();
    let s = serve(&auth).await;
    let token = auth.tokens().create_access("alice").unwrap();
    expect(&s, P, &token, 200, 3).await;
    assert_eq!(entries(&auth), 1, "HS256 is cached from its second use");
    let (header, rest) = token.split_once('.').unwrap();
    let sig = rest.split_once('.').unwrap().1;
    let mut admin = serde_json::to_value(auth.verify(&token).unwrap()).unwrap();
    admin["sub"] = json!("admin");
    let cases = [
        flip(&token, 2, 3, 1),
        flip(&token, 2, sig.len() - 1, 1), // the last character's unused low bits only
        flip(&token, 2, sig.len() - 1, 2),
        flip(&token, 1, 5, 1),
        flip(&token, 0, 2, 32),
        format!("{header}.{}.{sig}", b64(admin.to_string().as_bytes())),
        format!(
            "{}.{rest}",
            b64(br#"{"alg":"HS256","typ":"JWT","kid":"x"}"#)
        ),
        format!("{}.{rest}", b64(br#"{"alg":"none","typ":"JWT"}"#)),
        format!("{token}="),
        format!("{token}."),
        format!("{token}A"),
        format!("{token}.{sig}"),
        token[..token.len() - 1].to_owned(),
        token.to_uppercase(),
        token.to_lowercase(),
        token.replace('.', ".."),
    ];
    for bad in cases.iter().filter(|b| **b != token) {
        expect(&s, P, bad, 401, 2).await;
        assert!(auth.verify(bad).is_err(), "{bad} verified in process");
    }
    assert_eq!(entries(&auth), 1, "no tampered form was cached");
    expect(&s, P, &token, 200, 1).await;
}

#[tokio::test]
async fn time_claims_of_a_cached_token_are_rechecked_at_the_exact_boundaries() {
    let clock = ManualClock::at(T);
    let auth = clocked(hs(|b| b.leeway(Duration::from_secs(5))), &clock);
    let s = serve(&auth).await;
    let access = auth
        .tokens()
        .access("bob")
        .not_before(T + 10)
        .expires_at(T + 100);
    let token = access.issue().unwrap();
    expect(&s, P, &token, 401, 1).await; // nbf > now + leeway
    clock.set(T + 5); // nbf == now + leeway
    expect(&s, P, &token, 200, 3).await;
    assert_eq!(entries(&auth), 1);
    clock.set(T + 4);
    expect(&s, P, &token, 401, 2).await; // cached, but before nbf again
    clock.set(T + 104); // exp + leeway - 1
    expect(&s, P, &token, 200, 1).await;
    clock.set(T + 105); // exp + leeway
    expect(&s, P, &token, 401, 2).await;
    assert!(matches!(
        auth.verify(&token),
        Err(authx::AuthError::Expired)
    ));
    clock.set(T + 50); // the clock moved back: valid again, as a full verification says
    expect(&s, P, &token, 200, 1).await;

    // `iat` in the future once the clock is moved back.
    clock.set(T);
    let plain = auth.tokens().create_access("bob").unwrap();
    expect(&s, P, &plain, 200, 3).await;
    clock.set(T - 5); // iat == now + leeway
    expect(&s, P, &plain, 200, 1).await;
    clock.set(T - 6);
    expect(&s, P, &plain, 401, 2).await;
}

#[tokio::test]
async fn revoked_logged_out_and_ended_session_tokens_are_refused_though_cached() {
    let auth = Auth::new(hs(|b| b)).unwrap();
    let s = serve(&auth).await;
    let one = auth.tokens().create_access("u1").unwrap();
    expect(&s, P, &one, 200, 3).await;
    let claims = auth.verify(&one).unwrap();
    auth.revocations().revoke(&claims).await.unwrap();
    expect(&s, P, &one, 401, 2).await;

    // Logout through the refresh token ends the cached access token of its family.
    let pair = auth.tokens().pair("u2").issue().unwrap();
    expect(&s, P, &pair.access_token, 200, 3).await;
    expect(&s, R, &pair.refresh_token, 200, 3).await;
    let refresh = auth.verify(&pair.refresh_token).unwrap();
    auth.sessions().logout(&refresh).await.unwrap();
    expect(&s, P, &pair.access_token, 401, 2).await;
    expect(&s, R, &pair.refresh_token, 401, 2).await;

    // A session revoked; every session of a subject ended.
    for all in [false, true] {
        let session = auth.sessions().create("u3", SessionMeta::default()).await;
        let id = session.unwrap().id;
        let pair = auth.tokens().pair("u3").session(&id).issue().unwrap();
        expect(&s, P, &pair.access_token, 200, 3).await;
        if all {
            auth.sessions().revoke_all("u3", None).await.unwrap();
        } else {
            assert!(auth.sessions().revoke(&id).await.unwrap());
        }
        expect(&s, P, &pair.access_token, 401, 2).await;
        assert!(auth.verify_unrevoked(&pair.access_token).await.is_err());
    }
}

#[tokio::test]
async fn cached_tokens_keep_their_type_binding_and_profile_checks() {
    let auth = Auth::new(hs(|b| b)).unwrap();
    let s = serve(&auth).await;
    let pair = auth.tokens().pair("carol").issue().unwrap();
    expect(&s, R, &pair.refresh_token, 200, 3).await;
    expect(&s, P, &pair.access_token, 200, 3).await;
    assert_eq!(entries(&auth), 2);
    expect(&s, P, &pair.refresh_token, 401, 2).await;
    expect(&s, R, &pair.access_token, 401, 2).await;

    // A DPoP-bound token presented as a Bearer token, again and again.
    let jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
    let bound = auth.tokens().access("carol").dpop_jkt(jkt).issue().unwrap();
    expect(&s, P, &bound, 401, 3).await;
    assert!(auth.verify_unrevoked(&bound).await.is_err());

    // RFC 9068: an access token without `typ: at+jwt` (same key) is refused every time.
    let profiled = Auth::new(hs(|b| b.jwt_access_token_profile(true))).unwrap();
    let ps = serve(&profiled).await;
    let at_jwt = profiled.tokens().create_access("dave").unwrap();
    expect(&ps, P, &at_jwt, 200, 3).await;
    expect(&ps, P, &pair.access_token, 401, 3).await;
    assert_eq!(entries(&profiled), 1, "only the at+jwt token");
}

#[tokio::test]
async fn a_token_of_a_removed_key_fails_once_the_key_file_reloads() {
    let key = |kid: &str| {
        let p = authx_cli::keygen::p256_pair().unwrap();
        SigningKeyEntry::new(kid, p.private_pem.as_str(), p.public_pem.as_str(), T)
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    let mut file = KeyFile::new("ES256", key("k1"), key("k2"));
    file.save(&path).unwrap();
    let config = AuthConfig::builder().keys_file(path.to_str().unwrap());
    let auth = Auth::new(config.audience(AUD).build()).unwrap();
    let s = serve(&auth).await;
    let old = auth.tokens().create_access("erin").unwrap();
    expect(&s, P, &old, 200, 2).await;
    assert_eq!(entries(&auth), 1, "ES256 is cached from its first use");
    // A rotation that keeps k1 as a previous key: still valid.
    file.rotate(key("k3"), T + 100, Duration::from_secs(86_400));
    file.save(&path).unwrap();
    auth.keys().reload().unwrap();
    assert_eq!(entries(&auth), 0, "a reload starts an empty cache");
    expect(&s, P, &old, 200, 2).await;
    // A rotation that drops k1: its cached token goes with it.
    file.rotate(key("k4"), T + 200, Duration::ZERO);
    assert!(file.previous.is_empty());
    file.save(&path).unwrap();
    auth.keys().reload().unwrap();
    expect(&s, P, &old, 401, 2).await;
    assert!(auth.verify(&old).is_err());
    let new = auth.tokens().create_access("erin").unwrap();
    expect(&s, P, &new, 200, 1).await;
}

#[tokio::test]
async fn oversized_tokens_never_pass_nor_enter_the_cache() {
    let issuer = Auth::new(hs(|b| b)).unwrap();
    let pad = json!({ "pad": "x".repeat(600) });
    let token = issuer.tokens().access("frank").extra(pad).issue().unwrap();
    let exact = Auth::new(hs(|b| b.max_token_size(token.len()))).unwrap();
    let small = Auth::new(hs(|b| b.max_token_size(token.len() - 1))).unwrap();
    let s = serve(&small).await;
    for _ in 0..3 {
        assert!(
            exact.verify(&token).is_ok(),
            "exactly max_token_size passes"
        );
        assert!(small.verify(&token).is_err(), "one byte over is refused");
        assert_ne!(call(&s, P, &token).await.0, 200);
    }
    assert_eq!((entries(&exact), entries(&small)), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tiny_cache_under_concurrency_never_hands_out_another_tokens_claims() {
    let auth = Auth::new(hs(|b| b.verify_cache_capacity(1))).unwrap();
    assert_eq!(
        auth.keys().verify_cache_size().capacity,
        16,
        "one per shard"
    );
    let issue = |i| {
        auth.tokens()
            .access(format!("u{i}"))
            .scopes([format!("s{i}")])
    };
    let tokens: Vec<String> = (0..64).map(|i| issue(i).issue().unwrap()).collect();
    let (tokens, s) = (Arc::new(tokens), Arc::new(serve(&auth).await));
    let mut tasks = Vec::new();
    for w in 0..16usize {
        let (auth, tokens, s) = (auth.clone(), tokens.clone(), s.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..300usize {
                let i = (w * 7 + n * 13) % tokens.len();
                let claims = auth.verify(&tokens[i]).unwrap();
                assert_eq!(claims.sub, format!("u{i}"));
                assert_eq!(claims.scopes(), [format!("s{i}")]);
                assert!(auth.verify(&flip(&tokens[i], 2, 10, 1)).is_err());
                if n % 25 == 0 {
                    assert_eq!(call(&s, P, &tokens[i]).await, (200, format!("u{i}")));
                    expect(&s, P, &flip(&tokens[i], 1, 4, 1), 401, 1).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let size = auth.keys().verify_cache_size();
    assert!(size.entries <= size.capacity, "{size:?}");
}

// ---------------------------------------------------------------------------------------------
// Identity-provider tokens.

fn jwk(pem: &str, kid: &str) -> Value {
    authx::token::crypto_backend();
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, jsonwebtoken::Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(kid.into());
    serde_json::to_value(jwk).unwrap()
}

fn idp_sign(pem: &str, kid: &str, claims: &Value) -> String {
    authx::token::crypto_backend();
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.into());
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

#[tokio::test]
async fn provider_tokens_cached_then_key_removed_replaced_or_expired_are_refused() {
    let keys = Arc::new(Mutex::new(
        json!({ "keys": [jwk(RSA_A, "a"), jwk(RSA_B, "b")] }),
    ));
    let served = keys.clone();
    let publish = |set: Value| *keys.lock().unwrap() = json!({ "keys": set });
    let jwks = move || {
        let set = served.lock().unwrap().clone();
        async move { Json(set) }
    };
    let p = TestServer::start(Router::new().route("/jwks", get(jwks))).await;
    let config = IssuerConfig::builder(&p.base)
        .jwks_url(p.url("/jwks"))
        .audience(AUD);
    let config = config.leeway(Duration::from_secs(2)).build();
    let clock = ManualClock::at(T);
    let auth = Auth::builder(hs(|b| b)).clock(clock.clone()).issuer(config);
    let auth = auth.build().unwrap();
    let s = serve(&auth).await;
    let issuer = auth.keys().issuers().next().unwrap().clone();
    issuer.refresh().await.unwrap();
    let claims =
        json!({ "iss": p.base, "aud": AUD, "sub": "gina", "iat": T, "nbf": T, "exp": T + 60 });
    let (by_a, by_b) = (idp_sign(RSA_A, "a", &claims), idp_sign(RSA_B, "b", &claims));
    expect(&s, P, &by_a, 200, 2).await;
    expect(&s, P, &by_b, 200, 2).await;
    assert_eq!(issuer.verify_cache_size().entries, 2);

    // Expiry and nbf of a cached provider token, with the provider's leeway of 2 s.
    clock.set(T + 61);
    expect(&s, P, &by_a, 200, 1).await;
    clock.set(T + 62);
    expect(&s, P, &by_a, 401, 2).await;
    clock.set(T - 3);
    expect(&s, P, &by_a, 401, 2).await;
    clock.set(T);
    expect(&s, P, &by_a, 200, 1).await;

    // Key `b` withdrawn: its cached token fails, `a`'s still passes.
    publish(json!([jwk(RSA_A, "a")]));
    issuer.refresh().await.unwrap();
    expect(&s, P, &by_b, 401, 2).await;
    expect(&s, P, &by_a, 200, 1).await;

    // Kid `a` now names other key material: what the old material signed fails.
    publish(json!([jwk(RSA_B, "a")]));
    issuer.refresh().await.unwrap();
    assert_eq!(issuer.verify_cache_size().entries, 0);
    expect(&s, P, &by_a, 401, 2).await;

    // Tampered forms of a cached provider token.
    let fresh = idp_sign(RSA_B, "a", &claims);
    expect(&s, P, &fresh, 200, 2).await;
    for bad in [
        flip(&fresh, 2, 7, 1),
        flip(&fresh, 1, 3, 1),
        format!("{fresh}="),
    ] {
        expect(&s, P, &bad, 401, 2).await;
    }
    assert_eq!(issuer.verify_cache_size().entries, 1);
}
