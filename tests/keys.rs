//! This service's own keys, published and rotated: a key file of current, next and previous
//! keys (`AUTHX_KEYS_FILE`), its public JWK Set at `/.well-known/jwks.json`, rotation under
//! load without a refused request, and another service verifying our tokens through the JWKS
//! URL alone (authx's own `jwks` issuer feature).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use authx::jwks::IssuerConfig;
use authx::token::{KeyFile, SigningKeyEntry};
use authx::{Algorithm, Auth, AuthConfig, AuthError, Claims, oauth, protect, routes};
use authx_tests::{TestServer, client};
use serde_json::Value;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn new_key(kid: &str) -> SigningKeyEntry {
    let pair = authx_cli::keygen::p256_pair().unwrap();
    SigningKeyEntry::new(
        kid,
        pair.private_pem.as_str(),
        pair.public_pem.as_str(),
        now(),
    )
}

/// A fresh key file (`k1` current, `k2` next) in its own temporary directory.
fn key_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    KeyFile::new("ES256", new_key("k1"), new_key("k2"))
        .save(&path)
        .unwrap();
    (dir, path.to_str().unwrap().to_owned())
}

fn rotate(path: &str, next: &str) {
    let mut file = KeyFile::load(path).unwrap();
    file.rotate(new_key(next), now(), Duration::from_secs(86_400));
    file.save(path).unwrap();
}

fn config(path: &str) -> AuthConfig {
    AuthConfig::builder()
        .keys_file(path)
        .issuer("https://auth.test")
        .audience("api")
        .build()
}

fn kid_of(token: &str) -> String {
    authx::insecure_decode(token).unwrap().header["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[protect(scopes = "orders:read", route = "GET /orders")]
async fn orders(claims: Claims) -> String {
    claims.sub
}

async fn server(auth: &Auth) -> TestServer {
    let app = routes![orders]
        .merge(oauth::jwks_router())
        .with_state(auth.clone());
    TestServer::start(app).await
}

#[tokio::test]
async fn the_jwk_set_publishes_current_and_next_keys_and_tokens_name_theirs() {
    let (_dir, path) = key_file();
    let auth = Auth::new(config(&path)).unwrap();
    let server = server(&auth).await;
    let res = client()
        .get(server.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let jwks: Value = res.json().await.unwrap();
    assert_eq!(kids(&jwks), ["k1", "k2"]);
    for key in jwks["keys"].as_array().unwrap() {
        assert_eq!(
            (key["kty"].as_str(), key["crv"].as_str()),
            (Some("EC"), Some("P-256"))
        );
        assert_eq!(
            (key["alg"].as_str(), key["use"].as_str()),
            (Some("ES256"), Some("sig"))
        );
        assert!(
            key.get("d").is_none(),
            "a private part was published: {key}"
        );
    }
    assert_eq!(jwks, auth.keys().jwks());
    let token = auth.tokens().access("u").issue().unwrap();
    assert_eq!(kid_of(&token), "k1");
    // An HMAC service publishes nothing.
    let hmac = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
    assert_eq!(hmac.keys().jwks(), serde_json::json!({ "keys": [] }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_twice_under_load_refuses_nothing() {
    let (_dir, path) = key_file();
    let auth = Auth::new(config(&path)).unwrap();
    let server = Arc::new(server(&auth).await);
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for w in 0..6 {
        let (auth, server, stop, sent) = (auth.clone(), server.clone(), stop.clone(), sent.clone());
        workers.push(tokio::spawn(async move {
            let http = client();
            let mut issued = Vec::new();
            let mut refused = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                // A new token with whatever key signs now, and the oldest one still held.
                let token = auth
                    .tokens()
                    .access(format!("worker-{w}"))
                    .scopes(["orders:read"])
                    .issue()
                    .unwrap();
                issued.push(token.clone());
                for t in [&token, &issued[0]] {
                    let status = http
                        .get(server.url("/orders"))
                        .bearer_auth(t)
                        .send()
                        .await
                        .unwrap()
                        .status();
                    sent.fetch_add(1, Ordering::Relaxed);
                    if status != 200 {
                        refused.push((kid_of(t), status.as_u16()));
                    }
                }
            }
            (issued, refused)
        }));
    }
    let wait_for = |n: usize| {
        let sent = sent.clone();
        async move {
            while sent.load(Ordering::Relaxed) < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    wait_for(200).await;
    rotate(&path, "k3");
    auth.keys().reload().unwrap();
    wait_for(600).await;
    rotate(&path, "k4");
    auth.keys().reload().unwrap();
    wait_for(1_000).await;
    stop.store(true, Ordering::Relaxed);

    let mut by_kid = std::collections::BTreeMap::<String, usize>::new();
    let mut all = Vec::new();
    for w in workers {
        let (issued, refused) = w.await.unwrap();
        assert!(refused.is_empty(), "refused during rotation: {refused:?}");
        for t in issued {
            *by_kid.entry(kid_of(&t)).or_default() += 1;
            all.push(t);
        }
    }
    // Tokens were issued under each of the three keys that signed...
    assert_eq!(
        by_kid.keys().collect::<Vec<_>>(),
        ["k1", "k2", "k3"],
        "{by_kid:?}"
    );
    // ...and every one of them still verifies after both rotations.
    for t in &all {
        auth.verify_unrevoked(t).await.unwrap();
    }
    assert_eq!(kids(&auth.keys().jwks()), ["k3", "k4", "k2", "k1"]);
}

#[tokio::test]
async fn another_service_verifies_our_tokens_through_the_jwks_url_alone() {
    let (_dir, path) = key_file();
    let issuer = Auth::new(config(&path)).unwrap();
    let server = server(&issuer).await;

    // The other service has no key of ours: only the URL.
    let verifier = Auth::builder(AuthConfig::builder().secret_key("v".repeat(32)).build())
        .issuer(
            IssuerConfig::builder("https://auth.test")
                .jwks_url(server.url("/.well-known/jwks.json"))
                .audience("api")
                .algorithms([Algorithm::ES256])
                .scope_claims(["scopes"])
                .min_refetch_interval(Duration::ZERO)
                .allow_insecure_http(true)
                .build(),
        )
        .build()
        .unwrap();
    let token = issuer
        .tokens()
        .access("alice")
        .scopes(["orders:read"])
        .issue()
        .unwrap();
    let claims = verifier.verify_unrevoked(&token).await.unwrap();
    assert_eq!(
        (claims.sub.as_str(), claims.scopes()),
        ("https://auth.test|alice", &["orders:read".to_owned()][..])
    );
    // Our refresh tokens are not access tokens there either.
    let refresh = issuer.tokens().refresh("alice").issue().unwrap();
    assert!(matches!(
        verifier.verify_unrevoked(&refresh).await,
        Err(AuthError::AccessTokenRequired)
    ));

    // After a rotation the new current key was already published as `next`: the verifier
    // knows it without refetching the set.
    rotate(&path, "k3");
    issuer.keys().reload().unwrap();
    let token = issuer.tokens().access("bob").issue().unwrap();
    assert_eq!(kid_of(&token), "k2");
    assert_eq!(
        verifier.verify_unrevoked(&token).await.unwrap().sub,
        "https://auth.test|bob"
    );

    // A token signed by a key that is not in the set is refused.
    let (_other_dir, other_path) = key_file();
    let stranger = Auth::new(config(&other_path)).unwrap();
    let forged = stranger.tokens().access("mallory").issue().unwrap();
    assert!(verifier.verify_unrevoked(&forged).await.is_err());
}

#[tokio::test]
async fn a_bad_key_file_leaves_the_keys_in_use() {
    let (_dir, path) = key_file();
    let auth = Auth::new(config(&path)).unwrap();
    let before = auth.tokens().access("u").issue().unwrap();
    std::fs::write(&path, "{ not json").unwrap();
    let err = auth.keys().reload().unwrap_err();
    assert!(err.to_string().contains("keys.json"), "{err}");
    assert_eq!(kid_of(&auth.tokens().access("u").issue().unwrap()), "k1");
    auth.verify(&before).unwrap();
    // And a bad file at start-up is a configuration error, not a panic.
    assert!(Auth::new(config(&path)).is_err());
    // An HMAC key file is refused: a secret is never published.
    let mut file = KeyFile::new("ES256", new_key("a"), new_key("b"));
    file.algorithm = "HS256".into();
    file.save(&path).unwrap();
    assert!(
        Auth::new(config(&path))
            .unwrap_err()
            .to_string()
            .contains("HMAC")
    );
}

#[tokio::test]
async fn the_engine_reloads_the_file_on_its_interval() {
    let (_dir, path) = key_file();
    let auth = Auth::new(
        AuthConfig::builder()
            .keys_file(&path)
            .keys_reload_interval(Duration::from_millis(50))
            .build(),
    )
    .unwrap();
    assert_eq!(kid_of(&auth.tokens().access("u").issue().unwrap()), "k1");
    rotate(&path, "k3");
    // Bounded wait for the reloader (no timing assertion: only that it happens).
    for _ in 0..400 {
        if kid_of(&auth.tokens().access("u").issue().unwrap()) == "k2" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the key file was not reloaded");
}

#[test]
fn asymmetric_keys_without_a_kid_are_named_by_their_thumbprint() {
    let fixture = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/fixtures/python_authx/{name}.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let auth = Auth::new(
        AuthConfig::builder()
            .algorithm(Algorithm::RS256)
            .private_key(authx::config::KeySource::Pem(fixture("rsa_private")))
            .public_key(authx::config::KeySource::Pem(fixture("rsa_public")))
            .build(),
    )
    .unwrap();
    let token = auth.tokens().access("u").issue().unwrap();
    let jwks = auth.keys().jwks();
    assert_eq!(kids(&jwks), [kid_of(&token)]);
    // The kid is the key's RFC 7638 thumbprint, as any JOSE library computes it.
    authx::token::crypto_backend();
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwks["keys"][0].clone()).unwrap();
    assert_eq!(
        jwk.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
            .unwrap(),
        kid_of(&token)
    );
    // Tokens without a kid (Python AuthX's) still verify: tests/interop.rs checks them.
}
