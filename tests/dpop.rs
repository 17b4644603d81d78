//! DPoP sender-constrained tokens (RFC 9449) over real HTTP, with a real DPoP client written
//! here (P-256 and Ed25519 keys): binding at login, every refusal of a proof, bearer use of a
//! bound token, refresh keeping the binding, server nonces, and replay refused across two
//! instances sharing Redis.

use std::time::Duration;

use authx::store::MemoryStore;
use authx::{
    Auth, AuthConfig, AuthError, Claims, RefreshClaims, Stores, TokenPair, protect, public, routes,
};
use authx_tests::dpop::{DpopClient, Proof, ath};
use authx_tests::{TestServer, client};
use axum::Json;
use axum::extract::State;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::request::Parts;
use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::ThumbprintHash;
use serde_json::{Value, json};

const SECRET: &str = "dpop-test-secret-0123456789abcdefghij";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// ----- the app --------------------------------------------------------------------------------

#[public(route = "POST /login")]
async fn login(State(auth): State<Auth>, parts: Parts) -> Result<Json<TokenPair>, AuthError> {
    let mut pair = auth
        .tokens()
        .pair("alice")
        .fresh(true)
        .scopes(["orders:read"]);
    if let Some(proof) = auth.dpop_proof(&parts).await? {
        pair = pair.dpop_jkt(&proof.jkt);
    }
    Ok(Json(pair.issue()?))
}

#[protect(refresh, route = "POST /refresh")]
async fn refresh(
    State(auth): State<Auth>,
    claims: RefreshClaims,
) -> Result<Json<TokenPair>, AuthError> {
    Ok(Json(auth.sessions().rotate(&claims).await?))
}

#[protect(route = "GET /protected")]
async fn protected(claims: Claims) -> String {
    format!("{} {}", claims.sub, claims.dpop_jkt().unwrap_or("bearer"))
}

#[protect(dpop, scopes = "orders:read", route = "GET /dpop/protected")]
async fn dpop_only(claims: Claims) -> String {
    claims.sub
}

fn config() -> AuthConfig {
    AuthConfig::builder().secret_key(SECRET).build()
}

async fn start(auth: Auth) -> TestServer {
    TestServer::start(routes![login, refresh, protected, dpop_only].with_state(auth)).await
}

/// Sends `method path` with `authorization` and an optional `DPoP` header: status,
/// `WWW-Authenticate`, `DPoP-Nonce`, body.
async fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    authorization: Option<String>,
    proof: Option<String>,
) -> (u16, String, Option<String>, String) {
    let method: reqwest::Method = method.parse().unwrap();
    let mut req = client().request(method, server.url(path));
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    if let Some(p) = proof {
        req = req.header("dpop", p);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let nonce = res
        .headers()
        .get("dpop-nonce")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, challenge, nonce, res.text().await.unwrap())
}

async fn dpop_login(server: &TestServer, client: &DpopClient) -> TokenPair {
    let proof = client.sign(&client.proof_for("POST", &server.url("/login"), None));
    let (status, _, _, body) = send(server, "POST", "/login", None, Some(proof)).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn error_type(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["error_type"]
        .as_str()
        .unwrap()
        .to_owned()
}

// ----- the tests ------------------------------------------------------------------------------

#[tokio::test]
async fn a_login_with_a_proof_binds_the_tokens_and_proofs_open_the_routes() {
    let auth = Auth::new(config()).unwrap();
    let server = start(auth.clone()).await;
    for dpop in [DpopClient::p256(), DpopClient::ed25519()] {
        let pair = dpop_login(&server, &dpop).await;
        let claims = auth.verify(&pair.access_token).unwrap();
        assert_eq!(claims.dpop_jkt(), Some(dpop.jkt().as_str()));
        if dpop.alg == Algorithm::ES256 {
            // Our thumbprint is jsonwebtoken's too (RFC 7638).
            assert_eq!(
                dpop.jwk.thumbprint(ThumbprintHash::SHA256).unwrap(),
                dpop.jkt()
            );
        }
        for path in ["/dpop/protected", "/protected"] {
            let proof =
                dpop.sign(&dpop.proof_for("GET", &server.url(path), Some(&pair.access_token)));
            let (status, _, _, body) = send(
                &server,
                "GET",
                path,
                Some(format!("DPoP {}", pair.access_token)),
                Some(proof),
            )
            .await;
            assert_eq!(status, 200, "{path}: {body}");
            assert!(body.starts_with("alice"), "{body}");
        }
    }
    // A login without a proof gets plain bearer tokens, which work where DPoP is not required.
    let (_, _, _, body) = send(&server, "POST", "/login", None, None).await;
    let bearer: TokenPair = serde_json::from_str(&body).unwrap();
    assert_eq!(auth.verify(&bearer.access_token).unwrap().dpop_jkt(), None);
    let (status, _, _, body) = send(
        &server,
        "GET",
        "/protected",
        Some(format!("Bearer {}", bearer.access_token)),
        None,
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "alice bearer"));
}

#[tokio::test]
async fn every_bad_proof_is_refused_with_invalid_dpop_proof() {
    let auth = Auth::new(config()).unwrap();
    let server = start(auth.clone()).await;
    let dpop = DpopClient::p256();
    let pair = dpop_login(&server, &dpop).await;
    let token = pair.access_token.clone();
    let url = server.url("/dpop/protected");
    let good = || dpop.proof_for("GET", &url, Some(&token));
    let other = DpopClient::p256();

    let mut cases: Vec<(&str, Option<String>)> = vec![
        ("no proof", None),
        (
            "wrong htm",
            Some(dpop.sign(&Proof {
                htm: "POST",
                ..good()
            })),
        ),
        (
            "wrong htu",
            Some(dpop.sign(&Proof {
                htu: server.url("/protected"),
                ..good()
            })),
        ),
        (
            "another host",
            Some(dpop.sign(&Proof {
                htu: "https://evil.example/dpop/protected".into(),
                ..good()
            })),
        ),
        (
            "stale iat",
            Some(dpop.sign(&Proof {
                iat: now() - 600,
                ..good()
            })),
        ),
        (
            "future iat",
            Some(dpop.sign(&Proof {
                iat: now() + 600,
                ..good()
            })),
        ),
        (
            "missing ath",
            Some(dpop.sign(&Proof {
                ath: None,
                ..good()
            })),
        ),
        (
            "ath of another token",
            Some(dpop.sign(&Proof {
                ath: Some(ath("another")),
                ..good()
            })),
        ),
        (
            "wrong typ",
            Some(dpop.sign_with(&good(), |h| h["typ"] = "JWT".into())),
        ),
        (
            "private key in the jwk",
            Some(dpop.sign_with(&good(), |h| h["jwk"]["d"] = "AAAA".into())),
        ),
        (
            "no jwk",
            Some(dpop.sign_with(&good(), |h| {
                h.as_object_mut().unwrap().remove("jwk");
            })),
        ),
        (
            "jwk of another key",
            Some(dpop.sign_with(&good(), |h| {
                h["jwk"] = serde_json::to_value(&other.jwk).unwrap();
            })),
        ),
        ("garbage", Some("not.a.proof".into())),
        (
            // jsonwebtoken panics on an Ed25519 key that is not 32 bytes: checked first.
            "short Ed25519 key",
            Some(dpop.sign_with(&good(), |h| {
                h["alg"] = "EdDSA".into();
                h["jwk"] = json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"});
            })),
        ),
        (
            "P-384 key for ES256",
            Some(dpop.sign_with(&good(), |h| h["jwk"]["crv"] = "P-384".into())),
        ),
    ];
    // alg none / HS256 with the same header: refused before any key is tried.
    let mut none = good();
    none.jti = "none".into();
    let unsigned = {
        let h = URL_SAFE_NO_PAD
            .encode(json!({"typ": "dpop+jwt", "alg": "none", "jwk": dpop.jwk}).to_string());
        let c = URL_SAFE_NO_PAD.encode(
            json!({"jti": none.jti, "htm": "GET", "htu": url, "iat": now(), "ath": ath(&token)})
                .to_string(),
        );
        format!("{h}.{c}.")
    };
    cases.push(("alg none", Some(unsigned)));

    for (what, proof) in cases {
        let (status, challenge, _, body) = send(
            &server,
            "GET",
            "/dpop/protected",
            Some(format!("DPoP {token}")),
            proof,
        )
        .await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(error_type(&body), "InvalidDPoPProofError", "{what}: {body}");
        assert!(
            challenge.starts_with(r#"DPoP error="invalid_dpop_proof""#),
            "{what}: {challenge}"
        );
        assert!(challenge.contains(r#"algs="ES256"#), "{what}: {challenge}");
    }

    // A valid proof of another key than the token's: the token's binding is what fails
    // (RFC 9449 §7.1: `invalid_token`), not the proof.
    let (status, challenge, _, body) = send(
        &server,
        "GET",
        "/dpop/protected",
        Some(format!("DPoP {token}")),
        Some(other.sign(&good())),
    )
    .await;
    assert_eq!(
        (status, error_type(&body).as_str()),
        (401, "InvalidDPoPBindingError"),
        "{body}"
    );
    assert!(
        challenge.starts_with(r#"DPoP error="invalid_token""#),
        "{challenge}"
    );

    // A replayed proof: accepted once, refused after.
    let proof = dpop.sign(&good());
    let auth_header = || Some(format!("DPoP {token}"));
    let first = send(
        &server,
        "GET",
        "/dpop/protected",
        auth_header(),
        Some(proof.clone()),
    )
    .await;
    assert_eq!(first.0, 200, "{}", first.3);
    let again = send(
        &server,
        "GET",
        "/dpop/protected",
        auth_header(),
        Some(proof),
    )
    .await;
    assert_eq!(
        (again.0, error_type(&again.3).as_str()),
        (401, "InvalidDPoPProofError")
    );
    assert!(again.3.contains("replayed"), "{}", again.3);

    // Two DPoP headers are ambiguous.
    let res = client()
        .get(&url)
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", dpop.sign(&good()))
        .header("dpop", dpop.sign(&good()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_bound_token_is_never_a_bearer_token() {
    let auth = Auth::new(config()).unwrap();
    let server = start(auth.clone()).await;
    let dpop = DpopClient::p256();
    let pair = dpop_login(&server, &dpop).await;
    for path in ["/protected", "/dpop/protected"] {
        let (status, challenge, _, body) = send(
            &server,
            "GET",
            path,
            Some(format!("Bearer {}", pair.access_token)),
            None,
        )
        .await;
        assert_eq!(
            (status, error_type(&body).as_str()),
            (401, "InvalidDPoPBindingError"),
            "{path}"
        );
        // RFC 9449 §7.1: the token, not a proof, is what is wrong.
        assert!(
            challenge.starts_with(r#"DPoP error="invalid_token""#),
            "{challenge}"
        );
    }
    // A DPoP-only route without credentials: a challenge that applies there, `DPoP` with its
    // algorithms (RFC 9110 §15.5.2, RFC 9449 §7.1), not `Bearer`.
    let (status, challenge, _, body) = send(&server, "GET", "/dpop/protected", None, None).await;
    assert_eq!(
        (status, error_type(&body).as_str()),
        (401, "MissingTokenError")
    );
    assert!(challenge.starts_with(r#"DPoP algs="ES256"#), "{challenge}");
    assert!(!challenge.contains("Bearer"), "{challenge}");
    // A route that takes either answers `Bearer`, as before.
    let (_, challenge, ..) = send(&server, "GET", "/protected", None, None).await;
    assert!(challenge.starts_with("Bearer"), "{challenge}");

    // A bound token with a valid proof but the Bearer scheme: still refused.
    let proof =
        dpop.sign(&dpop.proof_for("GET", &server.url("/protected"), Some(&pair.access_token)));
    let (status, ..) = send(
        &server,
        "GET",
        "/protected",
        Some(format!("Bearer {}", pair.access_token)),
        Some(proof),
    )
    .await;
    assert_eq!(status, 401);
    // An unbound token on a DPoP route, with or without the DPoP scheme: refused.
    let bearer = auth
        .tokens()
        .access("bob")
        .scopes(["orders:read"])
        .issue()
        .unwrap();
    let (status, ..) = send(
        &server,
        "GET",
        "/dpop/protected",
        Some(format!("Bearer {bearer}")),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let proof = dpop.sign(&dpop.proof_for("GET", &server.url("/dpop/protected"), Some(&bearer)));
    let (status, _, _, body) = send(
        &server,
        "GET",
        "/dpop/protected",
        Some(format!("DPoP {bearer}")),
        Some(proof),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    // The manual API refuses bound tokens too (it has no proof to check).
    let token = authx::RequestToken::new(
        pair.access_token.clone(),
        authx::TokenLocation::Headers,
        authx::TokenType::Access,
        http::Method::GET,
    );
    assert!(matches!(
        auth.verify_request_token(&token, authx::VerifyOptions::default())
            .await,
        Err(AuthError::InvalidDpopBinding { .. })
    ));
}

#[tokio::test]
async fn refresh_keeps_the_binding() {
    let auth = Auth::new(config()).unwrap();
    let server = start(auth.clone()).await;
    let dpop = DpopClient::p256();
    let pair = dpop_login(&server, &dpop).await;
    let proof =
        dpop.sign(&dpop.proof_for("POST", &server.url("/refresh"), Some(&pair.refresh_token)));
    let (status, _, _, body) = send(
        &server,
        "POST",
        "/refresh",
        Some(format!("DPoP {}", pair.refresh_token)),
        Some(proof),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let next: TokenPair = serde_json::from_str(&body).unwrap();
    for t in [&next.access_token, &next.refresh_token] {
        assert_eq!(
            auth.verify(t).unwrap().dpop_jkt(),
            Some(dpop.jkt().as_str())
        );
    }
    // The refresh token alone (bearer) refreshes nothing.
    let (status, ..) = send(
        &server,
        "POST",
        "/refresh",
        Some(format!("Bearer {}", next.refresh_token)),
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn server_nonces_are_required_when_on() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .dpop_nonce(true)
            .build(),
    )
    .unwrap();
    let server = start(auth.clone()).await;
    let dpop = DpopClient::p256();
    // The login's proof has no nonce: 401 use_dpop_nonce, with the nonce to use.
    let proof = dpop.sign(&dpop.proof_for("POST", &server.url("/login"), None));
    let (status, challenge, nonce, body) = send(&server, "POST", "/login", None, Some(proof)).await;
    assert_eq!(
        (status, error_type(&body).as_str()),
        (401, "UseDPoPNonceError")
    );
    assert!(
        challenge.starts_with(r#"DPoP error="use_dpop_nonce""#),
        "{challenge}"
    );
    let nonce = nonce.expect("a DPoP-Nonce header");
    let mut retry = dpop.proof_for("POST", &server.url("/login"), None);
    retry.nonce = Some(nonce.clone());
    let (status, _, _, body) = send(&server, "POST", "/login", None, Some(dpop.sign(&retry))).await;
    assert_eq!(status, 200, "{body}");
    let pair: TokenPair = serde_json::from_str(&body).unwrap();
    // A made-up nonce is refused.
    let mut forged = dpop.proof_for(
        "GET",
        &server.url("/dpop/protected"),
        Some(&pair.access_token),
    );
    forged.nonce = Some("bm90IGEgbm9uY2U".into());
    let (status, ..) = send(
        &server,
        "GET",
        "/dpop/protected",
        Some(format!("DPoP {}", pair.access_token)),
        Some(dpop.sign(&forged)),
    )
    .await;
    assert_eq!(status, 401);
    let mut ok = dpop.proof_for(
        "GET",
        &server.url("/dpop/protected"),
        Some(&pair.access_token),
    );
    ok.nonce = Some(nonce);
    let (status, ..) = send(
        &server,
        "GET",
        "/dpop/protected",
        Some(format!("DPoP {}", pair.access_token)),
        Some(dpop.sign(&ok)),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn behind_a_proxy_htu_is_checked_against_the_configured_base_url() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .dpop_base_url("https://api.example.com")
            .build(),
    )
    .unwrap();
    let server = start(auth.clone()).await;
    let dpop = DpopClient::p256();
    let token = auth
        .tokens()
        .access("alice")
        .scopes(["orders:read"])
        .dpop_jkt(dpop.jkt())
        .issue()
        .unwrap();
    let external = dpop.sign(&dpop.proof_for(
        "GET",
        "https://api.example.com/dpop/protected",
        Some(&token),
    ));
    let (status, _, _, body) = send(
        &server,
        "GET",
        "/dpop/protected",
        Some(format!("DPoP {token}")),
        Some(external),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let internal = dpop.sign(&dpop.proof_for("GET", &server.url("/dpop/protected"), Some(&token)));
    let (status, ..) = send(
        &server,
        "GET",
        "/dpop/protected",
        Some(format!("DPoP {token}")),
        Some(internal),
    )
    .await;
    assert_eq!(status, 401);
}

async fn logout(State(auth): State<Auth>, claims: Claims) -> Result<http::StatusCode, AuthError> {
    auth.sessions().logout(&claims).await?;
    Ok(http::StatusCode::NO_CONTENT)
}

/// Replay records have a store of their own: with room for 8 revocations in the memory store,
/// 40 distinct valid proofs all pass (on a store that kept them among the revocations, the 9th
/// got 503), then logout still revokes (no 503), the logged-out token is refused, and a
/// replayed proof is still refused as a replay.
#[tokio::test]
async fn a_flood_of_proofs_cannot_fill_the_revocation_store() {
    const REVOCATIONS: usize = 8;
    let stores = Stores::single(MemoryStore::with_capacity(REVOCATIONS), "memory");
    let auth = Auth::builder(config()).stores(stores).build().unwrap();
    let app = routes![login, refresh, protected, dpop_only]
        .route("/logout", axum::routing::post(logout))
        .with_state(auth.clone());
    let server = TestServer::start(app).await;
    let dpop = DpopClient::p256();
    let pair = dpop_login(&server, &dpop).await;
    let scheme = || Some(format!("DPoP {}", pair.access_token));
    let fresh = |method: &str, path: &str| {
        dpop.sign(&dpop.proof_for(method, &server.url(path), Some(&pair.access_token)))
    };
    let first = fresh("GET", "/protected");
    let (status, _, _, body) =
        send(&server, "GET", "/protected", scheme(), Some(first.clone())).await;
    assert_eq!(status, 200, "{body}");
    for i in 1..REVOCATIONS * 5 {
        let proof = fresh("GET", "/protected");
        let (status, _, _, body) = send(&server, "GET", "/protected", scheme(), Some(proof)).await;
        assert_eq!(status, 200, "proof {i}: {body}");
    }

    let (status, _, _, body) = send(
        &server,
        "POST",
        "/logout",
        scheme(),
        Some(fresh("POST", "/logout")),
    )
    .await;
    assert_eq!(status, 204, "logout still revokes: {body}");
    let proof = fresh("GET", "/protected");
    let (status, _, _, body) = send(&server, "GET", "/protected", scheme(), Some(proof)).await;
    assert_eq!(
        (status, error_type(&body).as_str()),
        (401, "RevokedTokenError"),
        "{body}"
    );
    let (status, _, _, body) = send(&server, "GET", "/protected", scheme(), Some(first)).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("replayed"), "{body}");
}

fn redis_url() -> String {
    std::env::var("AUTHX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[tokio::test]
async fn a_replay_is_refused_across_instances_sharing_redis() {
    let config = || {
        AuthConfig::builder()
            .secret_key(SECRET)
            .store_url(redis_url())
            .store_timeout(Duration::from_secs(2))
            .build()
    };
    let a = Auth::connect(config())
        .await
        .unwrap_or_else(|e| panic!("Redis at {}: {e}", redis_url()));
    let b = Auth::connect(config()).await.unwrap();
    a_proof_is_used_once_across(a, b).await;
}

/// One proof, made for a URL both instances answer to (same host, same path): accepted by
/// `a`, then a replay on `b`.
async fn a_proof_is_used_once_across(a: Auth, b: Auth) {
    let (server_a, server_b) = (start(a.clone()).await, start(b).await);
    let dpop = DpopClient::p256();
    let token = a
        .tokens()
        .access("alice")
        .scopes(["orders:read"])
        .dpop_jkt(dpop.jkt())
        .issue()
        .unwrap();
    let url = server_a.url("/dpop/protected");
    let proof = dpop.sign(&dpop.proof_for("GET", &url, Some(&token)));
    let host_a = server_a.base.trim_start_matches("http://").to_owned();
    let send_to = |server: &TestServer| {
        client()
            .get(server.url("/dpop/protected"))
            .header("host", host_a.clone())
            .header("authorization", format!("DPoP {token}"))
            .header("dpop", proof.clone())
            .send()
    };
    assert_eq!(send_to(&server_a).await.unwrap().status(), 200);
    let replay = send_to(&server_b).await.unwrap();
    assert_eq!(replay.status(), 401);
    assert!(replay.text().await.unwrap().contains("replayed"));
}

/// An app that gives authx one store of its own, shared by its instances, as its revocation
/// store: replay records are a kind of their own (`ReplayStore`), kept by the same backend, so
/// a proof used on one instance is still a replay on the other.
#[tokio::test]
async fn a_shared_revocation_store_given_alone_still_catches_replays_across_instances() {
    let shared = std::sync::Arc::new(MemoryStore::new());
    let instance = || {
        Auth::builder(config())
            .shared_revocation_store(shared.clone())
            .build()
            .unwrap()
    };
    a_proof_is_used_once_across(instance(), instance()).await;
}

#[tokio::test]
async fn the_route_audit_and_the_metadata_know_dpop_routes() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .resource("http://localhost:3000")
            .build(),
    )
    .unwrap();
    let app = routes![login, refresh, protected, dpop_only].with_state(auth.clone());
    let report = authx::testing::RouteAudit::new(&app, &auth)
        .module("dpop")
        .run()
        .await;
    report.assert_ok();
    let doc = authx::oauth::protected_resource_metadata(&auth).unwrap();
    assert_eq!(
        doc.dpop_signing_alg_values_supported,
        ["ES256", "ES384", "EdDSA", "RS256", "PS256"]
    );
    assert!(!doc.dpop_bound_access_tokens_required);
}

#[tokio::test]
async fn a_nested_router_checks_htu_against_the_url_the_client_sent() {
    let auth = Auth::new(config()).unwrap();
    let app = axum::Router::new()
        .nest("/api", routes![dpop_only])
        .with_state(auth.clone());
    let server = TestServer::start(app).await;
    let dpop = DpopClient::p256();
    let token = auth
        .tokens()
        .access("alice")
        .scopes(["orders:read"])
        .dpop_jkt(dpop.jkt())
        .issue()
        .unwrap();
    let proof = dpop.sign(&dpop.proof_for("GET", &server.url("/api/dpop/protected"), Some(&token)));
    let (status, _, _, body) = send(
        &server,
        "GET",
        "/api/dpop/protected",
        Some(format!("DPoP {token}")),
        Some(proof),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The suffix the nested router sees is not the URL: a proof for it is refused.
    let proof = dpop.sign(&dpop.proof_for("GET", &server.url("/dpop/protected"), Some(&token)));
    let (status, ..) = send(
        &server,
        "GET",
        "/api/dpop/protected",
        Some(format!("DPoP {token}")),
        Some(proof),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn with_a_resource_the_host_header_cannot_choose_the_htu() {
    let mut made = None;
    let server = TestServer::start_with(|base| {
        let auth = Auth::new(
            AuthConfig::builder()
                .secret_key(SECRET)
                .resource(base)
                .build(),
        )
        .unwrap();
        made = Some(auth.clone());
        routes![dpop_only].with_state(auth)
    })
    .await;
    let auth = made.unwrap();
    let dpop = DpopClient::p256();
    let token = auth
        .tokens()
        .access("alice")
        .scopes(["orders:read"])
        .dpop_jkt(dpop.jkt())
        .issue()
        .unwrap();
    // A proof made for another server, relayed here with that server's Host header.
    let proof =
        dpop.sign(&dpop.proof_for("GET", "http://other.example/dpop/protected", Some(&token)));
    let res = client()
        .get(server.url("/dpop/protected"))
        .header("host", "other.example")
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", proof)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // A proof for this resource is accepted.
    let proof = dpop.sign(&dpop.proof_for("GET", &server.url("/dpop/protected"), Some(&token)));
    let (status, _, _, body) = send(
        &server,
        "GET",
        "/dpop/protected",
        Some(format!("DPoP {token}")),
        Some(proof),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn introspection_says_a_bound_token_is_dpop() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .oauth_introspector("rs", "rs-secret-0123456789abcdef012345")
            .build(),
    )
    .unwrap();
    let server = TestServer::start(authx::oauth::router().with_state(auth.clone())).await;
    let dpop = DpopClient::p256();
    let token = auth
        .tokens()
        .access("alice")
        .dpop_jkt(dpop.jkt())
        .issue()
        .unwrap();
    let body: Value = client()
        .post(server.url("/oauth/introspect"))
        .basic_auth("rs", Some("rs-secret-0123456789abcdef012345"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["active"], true);
    assert_eq!(body["token_type"], "DPoP");
    assert_eq!(body["cnf"]["jkt"], dpop.jkt());
}
