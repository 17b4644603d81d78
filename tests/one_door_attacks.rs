//! The outside review's attacks on the one verification path (b495063), kept as regression
//! tests: what it found (fixed since) and what it attacked and found holding.

use std::sync::Arc;

use authx::store::MemoryStore;
use authx::{Auth, AuthConfig, AuthError, Claims, RefreshClaims, protect};
use authx_tests::dpop::DpopClient;
use authx_tests::{TestServer, client};
use axum::Router;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

const SECRET: &str = "review-pocs-secret-0123456789abcdef0123456";

fn config() -> AuthConfig {
    AuthConfig::builder().secret_key(SECRET).build()
}

#[protect(dpop)]
async fn dpop_only(claims: Claims) -> String {
    claims.sub
}

#[protect(verify_type = false, fresh)]
async fn any_type_fresh(claims: Claims) -> String {
    claims.sub
}

#[protect]
async fn plain_guard(claims: Claims) -> String {
    claims.sub
}

async fn body_json(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

// =================================================================================================
// Found by the review, fixed since.
// =================================================================================================

/// F1 (refresh reuse). Two instances that share their revocation store (`shared_revocation_store`
/// given alone, the way the previous release documented sharing): a refresh token rotated on
/// instance A and presented again on instance B is reuse, and must revoke the family.
///
/// b495063 kept families in a per-process `MemoryStore` unless `family_store` was also given:
/// B answered "live". Fixed: `shared_revocation_store` takes a store that keeps every kind of
/// record (revocations, families, replay records), and `revocations_only` says the rest stays
/// local.
#[tokio::test]
async fn a_shared_revocation_store_catches_refresh_reuse_across_instances() {
    let shared = Arc::new(MemoryStore::new());
    let instance = || {
        Auth::builder(config())
            .shared_revocation_store(shared.clone())
            .build()
            .unwrap()
    };
    let (a, b) = (instance(), instance());
    let pair = a.tokens().pair("ada").issue().unwrap();
    let next = a
        .sessions()
        .rotate(&RefreshClaims(a.verify(&pair.refresh_token).unwrap()))
        .await
        .unwrap();

    let replayed = b.verify_unrevoked(&pair.refresh_token).await;
    assert!(
        matches!(replayed, Err(AuthError::RefreshTokenReused)),
        "a retired refresh token presented on another instance sharing the revocation store \
         must be refused as reuse, got {replayed:?}"
    );
    // ...and its family is revoked, the rotated successor included.
    assert!(matches!(
        a.verify_unrevoked(&next.refresh_token).await,
        Err(AuthError::Revoked)
    ));
}

/// F1 (DPoP replay), same root cause: a proof accepted by instance A is replayed on instance B.
/// This is aaae617's own test `a_shared_revocation_store_given_alone_still_catches_replays_
/// across_instances` (tests/dpop.rs), which b495063 rewrote to also pass `shared_replay_store`.
#[tokio::test]
async fn a_shared_revocation_store_catches_dpop_replays_across_instances() {
    let shared = Arc::new(MemoryStore::new());
    let instance = || {
        Auth::builder(config())
            .shared_revocation_store(shared.clone())
            .build()
            .unwrap()
    };
    let (a, b) = (instance(), instance());
    let app = |auth: Auth| Router::new().route("/d", get(dpop_only)).with_state(auth);
    let (server_a, server_b) = (
        TestServer::start(app(a.clone())).await,
        TestServer::start(app(b)).await,
    );
    let dpop = DpopClient::p256();
    let token = a
        .tokens()
        .access("alice")
        .dpop_jkt(dpop.jkt())
        .issue()
        .unwrap();
    let proof = dpop.sign(&dpop.proof_for("GET", &server_a.url("/d"), Some(&token)));
    let host_a = server_a.base.trim_start_matches("http://").to_owned();
    let send_to = |server: &TestServer| {
        client()
            .get(server.url("/d"))
            .header("host", host_a.clone())
            .header("authorization", format!("DPoP {token}"))
            .header("dpop", proof.clone())
            .send()
    };
    assert_eq!(send_to(&server_a).await.unwrap().status(), 200);
    let replay = send_to(&server_b).await.unwrap();
    assert_eq!(
        replay.status(),
        401,
        "the same DPoP proof replayed on a second instance sharing the revocation store must \
         be refused"
    );
}

/// F2 (reuse detection skipped by the new step order). On a route that takes either token type
/// and needs a fresh one (`#[protect(verify_type = false, fresh)]`, or the same `Rules` on an
/// `AuthLayer` / `Auth::enforce`), a retired refresh token used to reach liveness (aaae617 ran
/// freshness in the route checks, after the stores) and revoked its family. b495063 moved
/// `fresh` into step 3, before liveness: the retired token is refused as merely "not fresh",
/// and the family (the thief's or the victim's live successor) stays valid.
#[tokio::test]
async fn a_retired_refresh_token_at_an_any_type_fresh_route_revokes_its_family() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route("/any-fresh", get(any_type_fresh))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let pair = auth.tokens().pair("ada").issue().unwrap();
    let next = auth
        .sessions()
        .rotate(&RefreshClaims(auth.verify(&pair.refresh_token).unwrap()))
        .await
        .unwrap();

    let res = client()
        .get(s.url("/any-fresh"))
        .bearer_auth(&pair.refresh_token)
        .send()
        .await
        .unwrap();
    let (status, body) = body_json(res).await;
    assert_eq!(status, 401);
    assert_eq!(
        body["error_type"], "RefreshTokenReusedError",
        "a retired refresh token presented anywhere is reuse: {body}"
    );
    assert!(
        matches!(
            auth.verify_unrevoked(&next.refresh_token).await,
            Err(AuthError::Revoked)
        ),
        "the family of a reused refresh token must be revoked"
    );
}

/// F4 (a WebSocket's re-check is a holder presenting its token again). `Auth::token_end` /
/// `TokenSocket` re-check their token with `Live::Enforce` (ws.rs `live_again`). For a refresh
/// token (a `#[protect(refresh)]` or `verify_type = false` socket, or any claims handed to the
/// public `token_end`), the client's own, legitimate rotation while the socket is open makes the
/// next re-check see a retired token: it is treated as reuse and revokes the whole family,
/// logging the user out everywhere. A re-check is a question, not a presentation: the socket
/// should end (`TokenEnd::Revoked`) and the family stay as it is (`Live::ReadOnly`).
/// Pre-existing (aaae617's `ensure_live` did the same), kept by the one-door refactor.
#[tokio::test]
async fn a_websocket_recheck_of_a_rotated_refresh_token_does_not_log_the_user_out() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .ws_recheck_interval(std::time::Duration::from_millis(100))
            .build(),
    )
    .unwrap();
    let pair = auth.tokens().pair("ada").issue().unwrap();
    let refresh = auth.verify(&pair.refresh_token).unwrap();
    let end = auth.token_end(&refresh);
    // The client rotates, as it should, while the socket is open.
    let next = auth
        .sessions()
        .rotate(&RefreshClaims(refresh.clone()))
        .await
        .unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), end)
        .await
        .unwrap();
    assert_eq!(ended, authx::ws::TokenEnd::Revoked);
    assert!(
        auth.verify_unrevoked(&next.refresh_token).await.is_ok(),
        "the socket's re-check revoked the family of a legitimately rotated refresh token"
    );
}

// =================================================================================================
// Sound: attacked and found holding (these pass).
// =================================================================================================

/// The DPoP proof reader (now `token::jws::Jws`): algorithm confusion, `none`, `crit`, key/alg
/// mismatch, duplicate header members, a non-object payload and a symmetric JWK are refused;
/// the control proof passes.
#[tokio::test]
async fn the_dpop_proof_reader_refuses_confused_proofs() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route("/d", get(dpop_only))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let dpop = DpopClient::p256();
    let token = auth
        .tokens()
        .access("alice")
        .dpop_jkt(dpop.jkt())
        .issue()
        .unwrap();
    let url = s.url("/d");
    let send = |proof: String| {
        let (url, token) = (url.clone(), token.clone());
        async move {
            let res = client()
                .get(url)
                .header("authorization", format!("DPoP {token}"))
                .header("dpop", proof)
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    };
    let good = dpop.sign(&dpop.proof_for("GET", &url, Some(&token)));
    assert_eq!(send(good.clone()).await, 200);

    let fresh = || dpop.proof_for("GET", &url, Some(&token));
    // Header tweaks (the signature is ES256 over the tweaked header, so only the reader's
    // checks can refuse these).
    type Tweak = Box<dyn FnOnce(&mut Value)>;
    let tweaks: Vec<(&str, Tweak)> = vec![
        ("alg none", Box::new(|h| h["alg"] = "none".into())),
        ("alg HS256", Box::new(|h| h["alg"] = "HS256".into())),
        (
            "alg ES384 on a P-256 key",
            Box::new(|h| h["alg"] = "ES384".into()),
        ),
        (
            "alg RS256 on an EC key",
            Box::new(|h| h["alg"] = "RS256".into()),
        ),
        ("crit", Box::new(|h| h["crit"] = json!(["exp"]))),
        ("crit null", Box::new(|h| h["crit"] = Value::Null)),
        ("typ jwt", Box::new(|h| h["typ"] = "JWT".into())),
        (
            "symmetric jwk",
            Box::new(|h| h["jwk"] = json!({"kty": "oct", "k": "c2VjcmV0"})),
        ),
        (
            "private member",
            Box::new(|h| h["jwk"]["d"] = "AAAA".into()),
        ),
    ];
    for (what, tweak) in tweaks {
        let proof = dpop.sign_with(&fresh(), tweak);
        assert_eq!(send(proof).await, 401, "{what}");
    }

    // Hand-made structure: duplicate `alg`, non-object payloads, extra parts, oversize.
    let good = dpop.sign(&fresh());
    let (h, rest) = good.split_once('.').unwrap();
    let header: String = String::from_utf8(URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
    let dup = header.replacen('{', r#"{"alg":"none","#, 1);
    let dup_proof = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(dup));
    assert_eq!(send(dup_proof).await, 401, "duplicate alg");
    let (payload, sig) = rest.split_once('.').unwrap();
    for body in ["[]", "1", "\"x\"", "null"] {
        let p = format!("{h}.{}.{sig}", URL_SAFE_NO_PAD.encode(body));
        assert_eq!(send(p).await, 401, "payload {body}");
    }
    assert_eq!(send(format!("{h}.{payload}.{sig}.x")).await, 401, "4 parts");
    let big = format!("{h}.{}.{sig}", "A".repeat(9000));
    assert_eq!(send(big).await, 401, "oversized");
}

/// Cache reuse across doors: an `AuthLayer` taking bearer tokens lends nothing to a
/// `#[protect(dpop)]` route behind it (the scheme check runs before the cache), and a DPoP
/// proof checked by the layer is not a replay for the guard of the same request.
#[tokio::test]
async fn a_layer_lends_nothing_to_a_dpop_guard() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route("/d", get(dpop_only))
        .layer(authx::layer::AuthLayer::new(auth.clone()))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let bearer = auth.tokens().create_access("bob").unwrap();
    let res = client()
        .get(s.url("/d"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    let dpop = DpopClient::p256();
    let token = auth
        .tokens()
        .access("alice")
        .dpop_jkt(dpop.jkt())
        .issue()
        .unwrap();
    let proof = dpop.sign(&dpop.proof_for("GET", &s.url("/d"), Some(&token)));
    let res = client()
        .get(s.url("/d"))
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", proof)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// A layer with CSRF off for cookies lends no CSRF pass to a guard with CSRF on (the cache
/// entry says the check did not run, and the guard runs it).
#[tokio::test]
async fn a_layer_without_csrf_lends_nothing_to_a_guard_with_csrf() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .token_locations([authx::TokenLocation::Cookies])
            .cookie_secure(false)
            .build(),
    )
    .unwrap();
    let layer_rules = authx::guard::Rules::builder()
        .without_csrf()
        .build()
        .unwrap();
    let app = Router::new()
        .route("/p", axum::routing::post(plain_guard))
        .layer(authx::layer::AuthLayer::new(auth.clone()).rules(layer_rules))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let token = auth.tokens().create_access("ada").unwrap();
    let res = client()
        .post(s.url("/p"))
        .header("cookie", format!("access_token_cookie={token}"))
        .send()
        .await
        .unwrap();
    let (status, body) = body_json(res).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error_type"], "MissingCSRFTokenError", "{body}");
}

/// Introspection (RFC 7662) of a retired refresh token and of a bound token: inactive /
/// active with `cnf`, and nothing is revoked.
#[tokio::test]
async fn introspecting_retired_and_bound_tokens_revokes_nothing() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .oauth_introspector("rs", "rs-secret-0123456789abcdef0123456789")
            .build(),
    )
    .unwrap();
    let s = TestServer::start(authx::oauth::router().with_state(auth.clone())).await;
    let pair = auth.tokens().pair("ada").issue().unwrap();
    let next = auth
        .sessions()
        .rotate(&RefreshClaims(auth.verify(&pair.refresh_token).unwrap()))
        .await
        .unwrap();
    let ask = |token: String| {
        let url = s.url("/oauth/introspect");
        async move {
            let res = client()
                .post(url)
                .basic_auth("rs", Some("rs-secret-0123456789abcdef0123456789"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    form_urlencoded::Serializer::new(String::new())
                        .append_pair("token", &token)
                        .finish(),
                )
                .send()
                .await
                .unwrap();
            body_json(res).await
        }
    };
    let (status, body) = ask(pair.refresh_token.clone()).await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    assert!(auth.verify_unrevoked(&next.refresh_token).await.is_ok());

    let dpop = DpopClient::p256();
    let bound = auth
        .tokens()
        .access("ada")
        .dpop_jkt(dpop.jkt())
        .issue()
        .unwrap();
    let (status, body) = ask(bound).await;
    assert_eq!(status, 200);
    assert_eq!(body["active"], true, "{body}");
    assert_eq!(body["token_type"], "DPoP", "{body}");
    assert_eq!(body["cnf"]["jkt"], dpop.jkt(), "{body}");
}
