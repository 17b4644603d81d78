//! Hostile input over real HTTP: every case gets a JSON error with the right status (401, or
//! 413/431 where the HTTP layer refuses the size first), never a 500 and never a panic.

use authx::{Algorithm, Auth, AuthConfig, Claims, RefreshClaims, TokenLocation};
use authx_tests::{TestServer, assert_error, client, status_json};
use axum::Router;
use axum::routing::{get, post};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

const SECRET: &str = "security-test-secret-0123456789abcdef";
const ISS: &str = "https://auth.test";
const AUD: &str = "api";
const RSA_PRIVATE: &str = include_str!("fixtures/python_authx/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("fixtures/python_authx/rsa_public.pem");

fn hs_config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key(SECRET)
        .issuer(ISS)
        .audience(AUD)
        .token_locations([
            TokenLocation::Headers,
            TokenLocation::Cookies,
            TokenLocation::Query,
        ])
        .build()
}

fn router(auth: Auth) -> Router {
    Router::new()
        .route("/protected", get(|c: Claims| async move { c.sub }))
        .route(
            "/refresh",
            post(|c: RefreshClaims| async move { c.sub.clone() }),
        )
        .with_state(auth)
}

async fn server(config: AuthConfig) -> (TestServer, Auth) {
    let auth = Auth::new(config).unwrap();
    (TestServer::start(router(auth.clone())).await, auth)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Valid claims for `hs_config`, to be spoiled one field at a time.
fn good_claims() -> Value {
    json!({"sub": "u1", "jti": "j1", "type": "access", "fresh": false, "iat": now(), "exp": now() + 600, "iss": ISS, "aud": AUD})
}

fn sign(claims: &Value, secret: &str) -> String {
    // Both jsonwebtoken backends are compiled in (--all-features): install authx's first.
    authx::token::crypto_backend();
    jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn b64(data: &[u8]) -> String {
    // base64url without padding, written out so the test does not trust the code under test.
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

async fn bearer(s: &TestServer, token: &str) -> (u16, Value) {
    status_json(
        client()
            .get(s.url("/protected"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_good_token_is_accepted() {
    let (s, _) = server(hs_config()).await;
    let res = client()
        .get(s.url("/protected"))
        .bearer_auth(sign(&good_claims(), SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (s, _) = server(hs_config()).await;
    let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(good_claims().to_string().as_bytes());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        let (status, body) = bearer(&s, &token).await;
        assert_error(status, &body, 401, "JWTDecodeError");
    }
}

#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let config = AuthConfig::builder()
        .algorithm(Algorithm::RS256)
        .private_key(RSA_PRIVATE)
        .public_key(RSA_PUBLIC)
        .issuer(ISS)
        .audience(AUD)
        .build();
    let (s, auth) = server(config).await;
    // The real thing works...
    let real = auth.tokens().create_access("u1").unwrap();
    let res = client()
        .get(s.url("/protected"))
        .bearer_auth(&real)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // ...the classic confusion attack does not.
    let forged = sign(&good_claims(), RSA_PUBLIC);
    let (status, body) = bearer(&s, &forged).await;
    assert_error(status, &body, 401, "JWTDecodeError");
}

#[tokio::test]
async fn tampered_and_foreign_signatures_are_refused() {
    let (s, _) = server(hs_config()).await;
    let token = sign(&good_claims(), SECRET);
    let (head, sig) = token.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let tampered_sig = format!("{head}.{flipped}{}", &sig[1..]);
    let mut spoiled = good_claims();
    spoiled["sub"] = json!("admin");
    let (_, orig_payload_sig) = token.split_once('.').unwrap();
    let (_, sig_only) = orig_payload_sig.split_once('.').unwrap();
    let swapped_payload = format!(
        "{}.{}.{sig_only}",
        head.split('.').next().unwrap(),
        b64(spoiled.to_string().as_bytes())
    );
    for bad in [
        tampered_sig,
        swapped_payload,
        sign(&good_claims(), "another-apps-secret-0123456789abcdef"),
    ] {
        let (status, body) = bearer(&s, &bad).await;
        assert_error(status, &body, 401, "TokenInvalidSignatureError");
    }
}

#[tokio::test]
async fn time_issuer_audience_and_type_claims_are_enforced() {
    let (s, _) = server(hs_config()).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("exp", json!(now() - 10), "TokenExpiredError"),
        ("nbf", json!(now() + 3600), "JWTDecodeError"),
        ("iat", json!(now() + 3600), "JWTDecodeError"),
        ("iss", json!("https://evil.test"), "TokenInvalidIssuerError"),
        ("aud", json!("other-api"), "TokenInvalidAudienceError"),
        ("aud", json!(["x", "y"]), "TokenInvalidAudienceError"),
        ("type", json!("refresh"), "AccessTokenRequiredError"),
        ("type", json!("id"), "JWTDecodeError"),
        ("exp", json!("tomorrow"), "JWTDecodeError"),
        ("sub", json!(42), "JWTDecodeError"),
    ];
    for (field, value, expected) in cases {
        let mut claims = good_claims();
        claims[field] = value;
        let (status, body) = bearer(&s, &sign(&claims, SECRET)).await;
        assert_error(status, &body, 401, expected);
    }
    // And the reverse type: an access token on the refresh route.
    let res = client()
        .post(s.url("/refresh"))
        .bearer_auth(sign(&good_claims(), SECRET))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "RefreshTokenRequiredError");
}

#[tokio::test]
async fn missing_registered_claims_are_refused() {
    let (s, _) = server(hs_config()).await;
    for field in ["sub", "type", "jti", "exp", "iss", "aud"] {
        let mut claims = good_claims();
        claims.as_object_mut().unwrap().remove(field);
        let (status, body) = bearer(&s, &sign(&claims, SECRET)).await;
        let expected = match field {
            "iss" => "TokenInvalidIssuerError",
            "aud" => "TokenInvalidAudienceError",
            _ => "JWTDecodeError",
        };
        assert_error(status, &body, 401, expected);
    }
}

#[tokio::test]
async fn garbage_is_refused() {
    let (s, _) = server(hs_config()).await;
    let garbage = [
        "x".to_owned(),
        "a.b.c".to_owned(),
        "....".to_owned(),
        format!("{}.{}.sig", b64(b"not json"), b64(b"{}")),
        format!("{}.{}.", b64(br#"{"alg":"HS999"}"#), b64(b"{}")),
        "Bearer".to_owned(),
    ];
    for g in garbage {
        let (status, body) = bearer(&s, &g).await;
        assert_error(status, &body, 401, "JWTDecodeError");
    }
    // A well-formed header: the signature is checked before the payload is read.
    for g in [
        format!("{}.{}.sig", b64(br#"{"alg":"HS256"}"#), b64(b"[1,2,3]")),
        format!("{}.%%%%.sig", b64(br#"{"alg":"HS256"}"#)),
    ] {
        let (status, body) = bearer(&s, &g).await;
        assert_error(status, &body, 401, "TokenInvalidSignatureError");
    }
    // A valid signature over garbage: the payload is then refused.
    for payload in [&b"[1,2,3]"[..], b"not json", b"{\"sub\": {}}", b"null"] {
        let msg = format!(
            "{}.{}",
            b64(br#"{"alg":"HS256","typ":"JWT"}"#),
            b64(payload)
        );
        authx::token::crypto_backend();
        let sig = jsonwebtoken::crypto::sign(
            msg.as_bytes(),
            &EncodingKey::from_secret(SECRET.as_bytes()),
            jsonwebtoken::Algorithm::HS256,
        )
        .unwrap();
        let (status, body) = bearer(&s, &format!("{msg}.{sig}")).await;
        assert_error(status, &body, 401, "JWTDecodeError");
    }
    // An empty bearer value.
    let res = client()
        .get(s.url("/protected"))
        .header("authorization", "Bearer ")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "JWTDecodeError");
    // Bytes that are not valid UTF-8 in the header.
    let res = client()
        .get(s.url("/protected"))
        .header(
            "authorization",
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        )
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "JWTDecodeError");
}

/// Issue 25 item 8: a token with an unknown `kid`, one with an algorithm this service does not
/// take, and one issued in the future were told apart ("unknown key id", "algorithm not
/// allowed", "issued in the future"). Now one coarse answer: status, body and challenge.
#[tokio::test]
async fn decode_failures_answer_one_coarse_body() {
    let config = AuthConfig::builder()
        .secret_key(SECRET)
        .issuer(ISS)
        .audience(AUD)
        .key_id("k1")
        .build();
    let (s, _) = server(config).await;
    authx::token::crypto_backend();
    let signed = |alg, kid: &str, claims: &Value| {
        let mut header = Header::new(alg);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    };
    use jsonwebtoken::Algorithm::{HS256, HS384};
    let good = client()
        .get(s.url("/protected"))
        .bearer_auth(signed(HS256, "k1", &good_claims()))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
    let mut future = good_claims();
    future["iat"] = json!(now() + 3600);
    future["exp"] = json!(now() + 7200);
    let mut answers = Vec::new();
    for token in [
        signed(HS256, "unknown-kid", &good_claims()),
        signed(HS384, "k1", &good_claims()),
        signed(HS256, "k1", &future),
    ] {
        let res = client()
            .get(s.url("/protected"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let challenge = res.headers().get("www-authenticate").cloned();
        let (status, body) = status_json(res).await;
        assert_error(status, &body, 401, "JWTDecodeError");
        answers.push((status, body, challenge));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    assert_eq!(answers[0].1["message"], "Invalid token");
}

#[tokio::test]
async fn oversized_tokens_are_refused_before_decoding() {
    let (s, _) = server(hs_config()).await;
    // Above max_token_size (8 KiB) but within HTTP limits: our JSON 401.
    let mut claims = good_claims();
    claims["pad"] = json!("p".repeat(16 * 1024));
    let (status, body) = bearer(&s, &sign(&claims, SECRET)).await;
    assert_error(status, &body, 401, "JWTDecodeError");
    assert!(body["message"].as_str().unwrap().contains("too large"));
    // 64 KiB in a cookie: within HTTP limits, so our JSON 401, as in the header.
    let big = "c".repeat(64 * 1024);
    let res = client()
        .get(s.url("/protected"))
        .header("cookie", format!("access_token_cookie={big}"))
        .send()
        .await
        .expect("a 64 KiB cookie reaches the app");
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "JWTDecodeError");
    assert!(body["message"].as_str().unwrap().contains("too large"));
    // 1 MB: hyper refuses the header block itself with 431, before the app; never a 500, never
    // a panic, never a hang, and the server keeps serving.
    let huge = "a".repeat(1024 * 1024);
    for res in [
        client().get(s.url("/protected")).bearer_auth(&huge),
        client()
            .get(s.url("/protected"))
            .header("cookie", format!("access_token_cookie={huge}")),
    ] {
        let res = res
            .timeout(std::time::Duration::from_secs(30))
            .send()
            .await
            .expect("hyper answers an oversized header block");
        assert_eq!(res.status(), 431);
    }
    let res = client()
        .get(s.url("/protected"))
        .bearer_auth(sign(&good_claims(), SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the server still serves");
}

#[tokio::test]
async fn duplicate_tokens_in_different_locations() {
    let (s, _) = server(hs_config()).await;
    let good = sign(&good_claims(), SECRET);
    let bad = sign(&good_claims(), "another-apps-secret-0123456789abcdef");
    // The first configured location (headers) wins; a valid cookie never rescues a bad header...
    let res = client()
        .get(s.url("/protected"))
        .bearer_auth(&bad)
        .header("cookie", format!("access_token_cookie={good}"))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "TokenInvalidSignatureError");
    // ...and a bad cookie does not spoil a good header.
    let res = client()
        .get(s.url("/protected"))
        .bearer_auth(&good)
        .header("cookie", format!("access_token_cookie={bad}"))
        .query(&[("token", bad.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Two tokens in one location are ambiguous, whichever is valid.
    let res = client()
        .get(s.url("/protected"))
        .header("authorization", format!("Bearer {good}"))
        .header("authorization", format!("Bearer {bad}"))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "JWTDecodeError");
    let res = client()
        .get(s.url("/protected"))
        .query(&[("token", &good), ("token", &good)])
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "JWTDecodeError");
    let res = client()
        .get(s.url("/protected"))
        .header(
            "cookie",
            format!("access_token_cookie={good}; access_token_cookie={bad}"),
        )
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "JWTDecodeError");
    // The query location on its own works.
    let res = client()
        .get(s.url("/protected"))
        .query(&[("token", &good)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn errors_carry_www_authenticate_and_no_token_material() {
    let (s, _) = server(hs_config()).await;
    let res = client().get(s.url("/protected")).send().await.unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    let bad = sign(&good_claims(), "another-apps-secret-0123456789abcdef");
    let res = client()
        .get(s.url("/protected"))
        .bearer_auth(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    let text = res.text().await.unwrap();
    assert!(
        !text.contains(&bad[..20]) && !text.contains(SECRET),
        "{text}"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn auth() -> &'static Auth {
        static AUTH: std::sync::OnceLock<Auth> = std::sync::OnceLock::new();
        AUTH.get_or_init(|| Auth::new(hs_config()).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_strings_never_verify_and_never_panic(s in "\\PC{0,300}") {
            prop_assert!(auth().verify(&s).is_err());
        }

        #[test]
        fn arbitrary_three_part_tokens_never_verify(h in "[A-Za-z0-9_-]{0,60}", p in "[A-Za-z0-9_-]{0,200}", sig in "[A-Za-z0-9_-]{0,90}") {
            let token = format!("{h}.{p}.{sig}");
            prop_assert!(auth().verify(&token).is_err());
        }

        #[test]
        fn arbitrary_json_payloads_under_a_valid_signature_never_panic(json in "\\PC{0,200}") {
            // Signed with the right key, so decoding reaches the claim checks.
            let header = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
            let payload = b64(json.as_bytes());
            let msg = format!("{header}.{payload}");
            authx::token::crypto_backend();
            let sig = jsonwebtoken::crypto::sign(msg.as_bytes(), &EncodingKey::from_secret(SECRET.as_bytes()), jsonwebtoken::Algorithm::HS256).unwrap();
            let _ = auth().verify(&format!("{msg}.{sig}"));
        }
    }
}

/// The verified-token cache (on by default) skips the signature and claims decoding only for
/// the exact bytes that verified: every tampered form of a cached token is verified in
/// full and refused, and is never cached; the cached token itself is still refused once revoked
/// or expired.
#[tokio::test]
async fn tampered_tokens_never_hit_the_verified_token_cache() {
    let clock = authx::clock::ManualClock::starting_now();
    let auth = Auth::builder(
        AuthConfig::builder()
            .algorithm(Algorithm::RS256)
            .private_key(RSA_PRIVATE)
            .public_key(RSA_PUBLIC)
            .issuer(ISS)
            .audience(AUD)
            .build(),
    )
    .clock(clock.clone())
    .build()
    .unwrap();
    let s = TestServer::start(router(auth.clone())).await;
    let token = auth.tokens().create_access("u1").unwrap();
    let ok = |token: String| {
        let url = s.url("/protected");
        async move {
            let res = client().get(url).bearer_auth(token).send().await.unwrap();
            res.status().as_u16()
        }
    };
    for _ in 0..3 {
        assert_eq!(ok(token.clone()).await, 200);
    }
    assert_eq!(auth.keys().verify_cache_size().entries, 1);

    let (head, sig) = token.rsplit_once('.').unwrap();
    let (header, _) = head.split_once('.').unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let mut admin = serde_json::to_value(auth.verify(&token).unwrap()).unwrap();
    admin["sub"] = json!("admin");
    let other_header = b64(br#"{"alg":"RS256","typ":"JWT","x":1}"#);
    let cases = [
        (
            format!("{head}.{flipped}{}", &sig[1..]),
            "TokenInvalidSignatureError",
        ),
        (
            format!("{header}.{}.{sig}", b64(admin.to_string().as_bytes())),
            "TokenInvalidSignatureError",
        ),
        (
            format!("{other_header}.{}", token.split_once('.').unwrap().1),
            "TokenInvalidSignatureError",
        ),
        (format!("{token}="), "JWTDecodeError"),
        (format!("{head}.{sig}.{sig}"), "JWTDecodeError"),
    ];
    for _ in 0..2 {
        for (bad, error) in &cases {
            let (status, body) = bearer(&s, bad).await;
            assert_error(status, &body, 401, error);
        }
    }
    assert_eq!(
        auth.keys().verify_cache_size().entries,
        1,
        "nothing refused was cached"
    );

    // Still verified in full on claims and stores: revoked, then expired.
    let other = auth.tokens().create_access("u2").unwrap();
    assert_eq!(ok(other.clone()).await, 200);
    auth.revocations()
        .revoke(&auth.verify(&other).unwrap())
        .await
        .unwrap();
    let (status, body) = bearer(&s, &other).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    clock.advance(std::time::Duration::from_secs(16 * 60));
    let (status, body) = bearer(&s, &token).await;
    assert_error(status, &body, 401, "TokenExpiredError");
}
