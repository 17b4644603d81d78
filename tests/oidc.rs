//! Tokens from identity providers (feature `jwks`), over real HTTP both ways: a fake OpenID
//! Connect provider (discovery document + a JWKS the test can change, with a hit counter) on
//! one loopback port, the protected service on another, reqwest as the client.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use authx::jwks::IssuerConfig;
use authx::{Algorithm, Auth, AuthConfig, AuthError, Claims, protect};
use authx_tests::{TestServer, assert_error, get_bearer};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

const SECRET: &str = "oidc-test-secret-0123456789abcdef-xyz";
const AUD: &str = "orders-api";
const RSA_PRIVATE: &str = include_str!("fixtures/python_authx/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("fixtures/python_authx/rsa_public.pem");
const RSA_OLD_PRIVATE: &str = include_str!("fixtures/python_authx/rsa_old_private.pem");
const EC_PRIVATE: &str = include_str!("fixtures/python_authx/ec_private.pem");

// ---------------------------------------------------------------------------------------------
// The fake provider.

/// A signing key of the fake provider.
#[derive(Clone)]
struct ProviderKey {
    kid: &'static str,
    alg: jsonwebtoken::Algorithm,
    pem: &'static str,
}

const RSA_NEW: ProviderKey = ProviderKey {
    kid: "rsa-2025",
    alg: jsonwebtoken::Algorithm::RS256,
    pem: RSA_PRIVATE,
};
const RSA_OLD: ProviderKey = ProviderKey {
    kid: "rsa-2024",
    alg: jsonwebtoken::Algorithm::RS256,
    pem: RSA_OLD_PRIVATE,
};
const EC: ProviderKey = ProviderKey {
    kid: "ec-1",
    alg: jsonwebtoken::Algorithm::ES256,
    pem: EC_PRIVATE,
};

impl ProviderKey {
    fn encoding_key(&self) -> EncodingKey {
        // Both jsonwebtoken backends are compiled in (--all-features): install authx's first.
        authx::token::crypto_backend();
        match self.alg {
            jsonwebtoken::Algorithm::ES256 | jsonwebtoken::Algorithm::ES384 => {
                EncodingKey::from_ec_pem(self.pem.as_bytes())
            }
            _ => EncodingKey::from_rsa_pem(self.pem.as_bytes()),
        }
        .expect("fixture key")
    }

    /// The public JWK, built from the private key's numbers (`n`/`e`, `x`/`y`).
    fn jwk(&self) -> Value {
        let mut jwk = Jwk::from_encoding_key(&self.encoding_key(), self.alg).expect("jwk");
        jwk.common.key_id = Some(self.kid.into());
        serde_json::to_value(jwk).expect("jwk json")
    }

    /// Signs `claims` with this key, its `kid` in the header.
    fn sign(&self, claims: &Value) -> String {
        self.sign_as(claims, Some(self.kid))
    }

    fn sign_as(&self, claims: &Value, kid: Option<&str>) -> String {
        let mut header = Header::new(self.alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.encoding_key()).expect("sign")
    }
}

/// A running fake provider.
struct Provider {
    server: TestServer,
    /// Its issuer: `http://127.0.0.1:<port>`.
    issuer: String,
    jwks: Arc<Mutex<Value>>,
    jwks_hits: Arc<AtomicUsize>,
}

impl Provider {
    async fn start(keys: &[ProviderKey]) -> Provider {
        let jwks = Arc::new(Mutex::new(key_set(keys)));
        let jwks_hits = Arc::new(AtomicUsize::new(0));
        let base = Arc::new(OnceLock::<String>::new());
        let app = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get({
                    let base = base.clone();
                    move || async move {
                        let base = base.get().cloned().unwrap_or_default();
                        Json(json!({
                            "issuer": base,
                            "jwks_uri": format!("{base}/protocol/openid-connect/certs"),
                            "id_token_signing_alg_values_supported": ["RS256", "ES256"]
                        }))
                    }
                }),
            )
            .route(
                "/protocol/openid-connect/certs",
                get({
                    let jwks = jwks.clone();
                    let hits = jwks_hits.clone();
                    move || async move {
                        hits.fetch_add(1, Ordering::SeqCst);
                        Json(jwks.lock().expect("jwks lock").clone())
                    }
                }),
            );
        let server = TestServer::start(app).await;
        let issuer = server.base.clone();
        base.set(issuer.clone()).expect("set once");
        Provider {
            server,
            issuer,
            jwks,
            jwks_hits,
        }
    }

    fn publish(&self, keys: &[ProviderKey]) {
        *self.jwks.lock().expect("jwks lock") = key_set(keys);
    }

    fn hits(&self) -> usize {
        self.jwks_hits.load(Ordering::SeqCst)
    }

    /// An issuer config for this provider, found by discovery.
    fn config(&self) -> authx::jwks::IssuerConfigBuilder {
        IssuerConfig::builder(&self.issuer)
            .audience(AUD)
            .role_claim("realm_access.roles")
            .role_scope("admin", "orders:*")
            .login_type_claim("idp")
    }

    /// Valid claims for a token of this provider.
    fn claims(&self, extra: Value) -> Value {
        let mut c = json!({
            "iss": self.issuer, "aud": AUD, "sub": "alice", "exp": now() + 300, "iat": now(),
            "jti": uuid::Uuid::new_v4().to_string()
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            if v.is_null() {
                c.as_object_mut().map(|o| o.remove(&k));
            } else {
                c[k] = v;
            }
        }
        c
    }
}

fn key_set(keys: &[ProviderKey]) -> Value {
    json!({ "keys": keys.iter().map(ProviderKey::jwk).collect::<Vec<_>>() })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

// ---------------------------------------------------------------------------------------------
// The protected service.

#[protect(scopes = "orders:read")]
async fn orders(claims: Claims) -> Json<Value> {
    Json(json!({
        "sub": claims.sub,
        "scopes": claims.scopes(),
        "login_type": claims.extra.get("login_type"),
        "iss": claims.iss,
    }))
}

#[protect]
async fn logout(State(auth): State<Auth>, claims: Claims) -> Result<Json<Value>, AuthError> {
    auth.revocations().revoke(&claims).await?;
    Ok(Json(json!({ "revoked": claims.jti })))
}

async fn service(auth: Auth) -> TestServer {
    let app = Router::new()
        .route("/orders", get(orders))
        .route("/logout", get(logout))
        .with_state(auth);
    TestServer::start(app).await
}

fn own_config() -> AuthConfig {
    AuthConfig::builder().secret_key(SECRET).build()
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn scope_claim_grants_the_route_and_its_absence_is_403() {
    let idp = Provider::start(&[RSA_NEW]).await;
    let auth = Auth::builder(own_config())
        .issuer(idp.config().build())
        .build()
        .unwrap();
    let svc = service(auth).await;

    let ok =
        RSA_NEW.sign(&idp.claims(json!({"scope": "openid profile orders:read", "idp": "google"})));
    let (status, body) = get_bearer(&svc, "/orders", &ok).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sub"], format!("{}|alice", idp.issuer), "namespaced");
    assert_eq!(body["iss"], idp.issuer);
    assert_eq!(body["login_type"], "google");
    assert_eq!(body["scopes"], json!(["openid", "profile", "orders:read"]));

    let without = RSA_NEW.sign(&idp.claims(json!({"scope": "openid profile"})));
    let (status, body) = get_bearer(&svc, "/orders", &without).await;
    assert_error(status, &body, 403, "InsufficientScopeError");
}

#[tokio::test]
async fn scp_list_and_roles_map_to_scopes() {
    let idp = Provider::start(&[RSA_NEW, EC]).await;
    let auth = Auth::builder(own_config())
        .issuer(idp.config().build())
        .build()
        .unwrap();
    let svc = service(auth).await;

    // `scp` as a list (Entra ID, Okta), signed with the EC key.
    let scp = EC.sign(&idp.claims(json!({"scp": ["orders:read", "orders:write"]})));
    let (status, body) = get_bearer(&svc, "/orders", &scp).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scopes"], json!(["orders:read", "orders:write"]));

    // `scp` as a space-separated string.
    let scp_str = RSA_NEW.sign(&idp.claims(json!({"scp": "orders:read"})));
    assert_eq!(get_bearer(&svc, "/orders", &scp_str).await.0, 200);

    // Keycloak realm role `admin` maps to `orders:*`, which covers `orders:read`.
    let admin =
        RSA_NEW.sign(&idp.claims(json!({"realm_access": {"roles": ["admin", "offline_access"]}})));
    let (status, body) = get_bearer(&svc, "/orders", &admin).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scopes"], json!(["orders:*", "role:offline_access"]));

    let viewer = RSA_NEW.sign(&idp.claims(json!({"realm_access": {"roles": ["viewer"]}})));
    let (status, body) = get_bearer(&svc, "/orders", &viewer).await;
    assert_error(status, &body, 403, "InsufficientScopeError");

    // A token without `kid` is tried against every key that allows its algorithm.
    let no_kid = RSA_NEW.sign_as(&idp.claims(json!({"scope": "orders:read"})), None);
    assert_eq!(get_bearer(&svc, "/orders", &no_kid).await.0, 200);
}

#[tokio::test]
async fn provider_tokens_can_be_revoked_even_without_jti() {
    let idp = Provider::start(&[RSA_NEW]).await;
    let auth = Auth::builder(own_config())
        .issuer(idp.config().build())
        .build()
        .unwrap();
    let svc = service(auth).await;
    let token = RSA_NEW.sign(&idp.claims(json!({"scope": "orders:read", "jti": null})));
    assert_eq!(get_bearer(&svc, "/orders", &token).await.0, 200);
    let (status, body) = get_bearer(&svc, "/logout", &token).await;
    assert_eq!(status, 200, "{body}");
    let jti = body["revoked"].as_str().unwrap_or_default();
    assert!(
        jti.starts_with(&format!("{}|sha256:", idp.issuer)),
        "a stable hash stands in for the jti, in the provider's namespace: {jti}"
    );
    let (status, body) = get_bearer(&svc, "/orders", &token).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    // Another token of the same user is unaffected.
    let other = RSA_NEW.sign(&idp.claims(json!({"scope": "orders:read", "jti": null, "nonce": 2})));
    assert_eq!(get_bearer(&svc, "/orders", &other).await.0, 200);
}

/// Issue 25 item 7: the high-S twin of an ES256 token (the same `r`, `s' = n - s`) verifies
/// too. A provider token without `jti` was revoked under the hash of the whole token, so its
/// twin stayed valid; the hash now covers only the signed `header.payload`.
#[tokio::test]
async fn revoking_a_provider_token_without_jti_revokes_its_ecdsa_twin() {
    let idp = Provider::start(&[EC]).await;
    let auth = Auth::builder(own_config())
        .issuer(idp.config().build())
        .build()
        .unwrap();
    let svc = service(auth).await;
    let token = EC.sign(&idp.claims(json!({"scope": "orders:read", "jti": null})));
    let twin = ecdsa_twin(&token);
    assert_ne!(twin, token);
    // ECDSA (RFC 7518) does not ask for low S: the twin is a valid token of its own.
    let (status, body) = get_bearer(&svc, "/orders", &twin).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get_bearer(&svc, "/logout", &token).await;
    assert_eq!(status, 200, "{body}");
    for presented in [&token, &twin] {
        let (status, body) = get_bearer(&svc, "/orders", presented).await;
        assert_error(status, &body, 401, "RevokedTokenError");
    }
}

/// `token` with its P-256 signature `r || s` replaced by `r || n - s`.
fn ecdsa_twin(token: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (input, signature) = token.rsplit_once('.').expect("a compact JWS");
    let bytes = b64.decode(signature).expect("base64url signature");
    let signature = p256::ecdsa::Signature::from_slice(&bytes).expect("r || s");
    let (r, s) = signature.split_scalars();
    let twin = p256::ecdsa::Signature::from_scalars(r, -s).expect("n - s is a valid s");
    format!("{input}.{}", b64.encode(twin.to_bytes()))
}

#[tokio::test]
async fn bad_provider_tokens_are_401() {
    let idp = Provider::start(&[RSA_NEW]).await;
    let auth = Auth::builder(own_config())
        .issuer(idp.config().build())
        .build()
        .unwrap();
    let svc = service(auth).await;
    let scope = json!({"scope": "orders:read"});
    let with = |patch: Value| {
        let mut extra = scope.clone();
        for (k, v) in patch.as_object().cloned().unwrap_or_default() {
            extra[k] = v;
        }
        idp.claims(extra)
    };

    let cases: Vec<(&str, String, &str)> = vec![
        (
            "wrong aud",
            RSA_NEW.sign(&with(json!({"aud": "billing-api"}))),
            "TokenInvalidAudienceError",
        ),
        (
            "no aud",
            RSA_NEW.sign(&with(json!({"aud": null}))),
            "TokenInvalidAudienceError",
        ),
        (
            // Not a configured issuer: this service's own keys refuse it.
            "wrong iss",
            RSA_NEW.sign(&with(json!({"iss": "https://evil.example.com"}))),
            "JWTDecodeError",
        ),
        (
            "expired",
            RSA_NEW.sign(&with(json!({"exp": now() - 3600, "iat": now() - 7200}))),
            "TokenExpiredError",
        ),
        (
            "no exp",
            RSA_NEW.sign(&with(json!({"exp": null}))),
            "JWTDecodeError",
        ),
        (
            "HS256 with the public key as secret",
            {
                authx::token::crypto_backend();
                jsonwebtoken::encode(
                    &{
                        let mut h = Header::new(jsonwebtoken::Algorithm::HS256);
                        h.kid = Some(RSA_NEW.kid.into());
                        h
                    },
                    &with(json!({})),
                    &EncodingKey::from_secret(RSA_PUBLIC.as_bytes()),
                )
                .unwrap()
            },
            "JWTDecodeError",
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT", "kid": RSA_NEW.kid}).to_string()),
                b64(&with(json!({})).to_string())
            ),
            "JWTDecodeError",
        ),
        (
            "signed by another key under a known kid",
            RSA_OLD.sign_as(&with(json!({})), Some(RSA_NEW.kid)),
            "TokenInvalidSignatureError",
        ),
        (
            "tampered payload",
            {
                let good = RSA_NEW.sign(&with(json!({})));
                let parts: Vec<&str> = good.split('.').collect();
                let forged = b64(&with(json!({"sub": "mallory"})).to_string());
                format!("{}.{forged}.{}", parts[0], parts[2])
            },
            "TokenInvalidSignatureError",
        ),
    ];
    for (what, token, error_type) in cases {
        let (status, body) = get_bearer(&svc, "/orders", &token).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(body["error_type"], error_type, "{what}: {body}");
    }
}

#[tokio::test]
async fn rotation_new_kid_is_fetched_and_the_removed_key_refused() {
    let idp = Provider::start(&[RSA_OLD]).await;
    let auth = Auth::builder(own_config())
        .issuer(
            idp.config()
                .min_refetch_interval(Duration::from_millis(200))
                .build(),
        )
        .build()
        .unwrap();
    let svc = service(auth.clone()).await;
    let scope = json!({"scope": "orders:read"});
    let issuer = auth.keys().issuers().next().unwrap().clone();

    let old = RSA_OLD.sign(&idp.claims(scope.clone()));
    assert_eq!(get_bearer(&svc, "/orders", &old).await.0, 200);
    // The verified signature is remembered, and a refetch of the same keys keeps it.
    assert_eq!(issuer.verify_cache_size().entries, 1);
    issuer.refresh().await.unwrap();
    assert_eq!(issuer.verify_cache_size().entries, 1);
    let before = idp.hits();

    // The provider rotates: new key, old one removed.
    idp.publish(&[RSA_NEW]);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let new = RSA_NEW.sign(&idp.claims(scope.clone()));
    let (status, body) = get_bearer(&svc, "/orders", &new).await;
    assert_eq!(status, 200, "new kid after the unknown-kid refetch: {body}");
    assert_eq!(idp.hits(), before + 1, "exactly one refetch");

    // The refetch replaced the set: the removed key no longer verifies anything, not even the
    // token whose signature it verified before (a new key set starts an empty cache).
    assert_eq!(
        issuer.verify_cache_size().entries,
        1,
        "only the new token's"
    );
    let (status, body) = get_bearer(&svc, "/orders", &old).await;
    assert_error(status, &body, 401, "JWTDecodeError");
    let fresh_old = RSA_OLD.sign(&idp.claims(scope));
    let (status, body) = get_bearer(&svc, "/orders", &fresh_old).await;
    assert_error(status, &body, 401, "JWTDecodeError");
}

#[tokio::test]
async fn background_refresh_picks_up_a_rotation() {
    let idp = Provider::start(&[RSA_OLD]).await;
    let auth = Auth::builder(own_config())
        .issuer(
            idp.config()
                .refresh_interval(Duration::from_millis(300))
                .build(),
        )
        .build()
        .unwrap();
    let svc = service(auth).await;
    let scope = json!({"scope": "orders:read"});
    let old = RSA_OLD.sign(&idp.claims(scope.clone()));
    assert_eq!(get_bearer(&svc, "/orders", &old).await.0, 200);

    idp.publish(&[RSA_NEW]);
    tokio::time::sleep(Duration::from_millis(800)).await;
    // No request triggered a fetch (the default 30 s refetch limit would refuse one): the
    // background refresh alone dropped the old key and brought the new one.
    let (status, body) = get_bearer(&svc, "/orders", &old).await;
    assert_error(status, &body, 401, "JWTDecodeError");
    let new = RSA_NEW.sign(&idp.claims(scope));
    assert_eq!(get_bearer(&svc, "/orders", &new).await.0, 200);
}

#[tokio::test]
async fn provider_down_with_keys_cached_still_verifies() {
    let idp = Provider::start(&[RSA_NEW]).await;
    let auth = Auth::builder(own_config())
        .issuer(
            idp.config()
                .min_refetch_interval(Duration::from_millis(1))
                .fetch_timeout(Duration::from_millis(500))
                .build(),
        )
        .build()
        .unwrap();
    let svc = service(auth.clone()).await;
    let token = RSA_NEW.sign(&idp.claims(json!({"scope": "orders:read"})));
    assert_eq!(get_bearer(&svc, "/orders", &token).await.0, 200);

    let Provider { server, issuer, .. } = idp;
    drop(server);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let jwks = auth.keys().issuers().next().expect("one issuer");
    assert!(
        matches!(jwks.refresh().await, Err(AuthError::KeysUnavailable)),
        "the provider is really down"
    );
    assert_eq!(jwks.key_count(), 1, "the failed fetch kept the cached key");

    assert_eq!(get_bearer(&svc, "/orders", &token).await.0, 200);
    // An unknown kid still triggers a (failing) refetch, then a clean 401.
    let stranger = RSA_NEW.sign_as(
        &json!({"iss": issuer, "aud": AUD, "sub": "x", "exp": now() + 60}),
        Some("unknown"),
    );
    let (status, body) = get_bearer(&svc, "/orders", &stranger).await;
    assert_error(status, &body, 401, "JWTDecodeError");
}

#[tokio::test]
async fn provider_down_with_nothing_cached_is_a_quick_503() {
    // A provider that was never reachable: its port is closed.
    let gone = Provider::start(&[RSA_NEW]).await;
    let issuer = gone.issuer.clone();
    drop(gone);
    tokio::time::sleep(Duration::from_millis(50)).await;

    // And one that accepts connections but never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_issuer = format!("http://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut conns = Vec::new();
        while let Ok((c, _)) = silent.accept().await {
            conns.push(c);
        }
    });

    let auth = Auth::builder(own_config())
        .issuer(IssuerConfig::builder(&issuer).audience(AUD).build())
        .issuer(
            IssuerConfig::builder(&silent_issuer)
                .audience(AUD)
                .fetch_timeout(Duration::from_millis(300))
                .build(),
        )
        .build()
        .unwrap();
    let svc = service(auth).await;

    for iss in [&issuer, &silent_issuer] {
        let token = RSA_NEW.sign(
            &json!({"iss": iss, "aud": AUD, "sub": "alice", "exp": now() + 60, "scope": "orders:read"}),
        );
        let started = Instant::now();
        let (status, body) = get_bearer(&svc, "/orders", &token).await;
        assert_error(status, &body, 503, "KeysUnavailableError");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{iss}: answered in {:?}",
            started.elapsed()
        );
    }
    held.abort();
}

#[tokio::test]
async fn a_flood_of_random_kids_costs_the_provider_at_most_one_fetch() {
    let idp = Provider::start(&[RSA_NEW]).await;
    let auth = Auth::builder(own_config())
        .issuer(
            idp.config()
                .min_refetch_interval(Duration::from_secs(1))
                .build(),
        )
        .build()
        .unwrap();
    let svc = Arc::new(service(auth).await);
    let good = RSA_NEW.sign(&idp.claims(json!({"scope": "orders:read"})));
    assert_eq!(get_bearer(&svc, "/orders", &good).await.0, 200);
    // Past the refetch interval, so the flood is allowed exactly one fetch.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = idp.hits();

    let started = Instant::now();
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..200 {
        let svc = svc.clone();
        let token = RSA_NEW.sign_as(
            &idp.claims(json!({"scope": "orders:read"})),
            Some(&format!("random-{i}-{}", uuid::Uuid::new_v4())),
        );
        flood.spawn(async move { get_bearer(&svc, "/orders", &token).await });
    }
    while let Some(res) = flood.join_next().await {
        let (status, body) = res.expect("request task");
        assert_error(status, &body, 401, "JWTDecodeError");
    }
    let fetched = idp.hits() - before;
    // One fetch per started refetch interval at most (one, unless this machine is very slow).
    let allowed = 1 + started.elapsed().as_secs() as usize;
    assert!(
        fetched <= allowed,
        "{fetched} JWKS fetches for 200 random kids in {:?}",
        started.elapsed()
    );
    // The real key still works afterwards.
    assert_eq!(get_bearer(&svc, "/orders", &good).await.0, 200);
}

#[tokio::test]
async fn two_providers_and_our_own_tokens_on_one_route() {
    let keycloak = Provider::start(&[RSA_NEW]).await;
    let auth0 = Provider::start(&[EC]).await;
    let auth = Auth::builder(own_config())
        .issuer(keycloak.config().build())
        .issuer(
            IssuerConfig::builder(&auth0.issuer)
                .jwks_url(format!("{}/protocol/openid-connect/certs", auth0.issuer))
                .audience("other-api")
                .audience(AUD)
                .algorithms([Algorithm::ES256])
                .build(),
        )
        .build()
        .unwrap();
    let own = auth
        .tokens()
        .access("carol")
        .scopes(["orders:read"])
        .issue()
        .unwrap();
    let svc = service(auth).await;

    let k = RSA_NEW.sign(&keycloak.claims(json!({"realm_access": {"roles": ["admin"]}})));
    let a = EC.sign(&auth0.claims(json!({"sub": "bob", "scope": "orders:read"})));
    // A provider's `carol` is not this service's `carol`: subjects are namespaced by issuer,
    // so sessions, revocations, the allowlist and rate buckets never mix them.
    let their_carol = EC.sign(&auth0.claims(json!({"sub": "carol", "scope": "orders:read"})));
    for (token, sub) in [
        (&k, format!("{}|alice", keycloak.issuer)),
        (&a, format!("{}|bob", auth0.issuer)),
        (&own, "carol".to_owned()),
        (&their_carol, format!("{}|carol", auth0.issuer)),
    ] {
        let (status, body) = get_bearer(&svc, "/orders", token).await;
        assert_eq!(status, 200, "{sub}: {body}");
        assert_eq!(body["sub"], sub);
    }
    // One provider's key does not vouch for the other's issuer.
    let crossed = RSA_NEW.sign(&auth0.claims(json!({"scope": "orders:read"})));
    let (status, body) = get_bearer(&svc, "/orders", &crossed).await;
    assert_eq!(status, 401, "{body}");
    // The second provider allows ES256 only.
    let rs = RSA_NEW.sign_as(&auth0.claims(json!({"scope": "orders:read"})), Some(EC.kid));
    let (status, body) = get_bearer(&svc, "/orders", &rs).await;
    assert_error(status, &body, 401, "JWTDecodeError");
}

#[tokio::test]
async fn the_refresh_task_ends_with_the_auth() {
    let idp = Provider::start(&[RSA_NEW]).await;
    let auth = Auth::builder(own_config())
        .issuer(
            idp.config()
                .refresh_interval(Duration::from_millis(100))
                .build(),
        )
        .build()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(idp.hits() >= 3, "refreshing: {} fetches", idp.hits());
    drop(auth);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let after_drop = idp.hits();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(idp.hits(), after_drop, "no fetch after the Auth is dropped");
}

#[test]
fn bad_issuer_configs_fail_at_build() {
    let build = |issuer: IssuerConfig| Auth::builder(own_config()).issuer(issuer).build();
    let base = || IssuerConfig::builder("https://idp.example.com").audience(AUD);
    assert!(build(base().build()).is_ok());
    assert!(build(IssuerConfig::builder("https://idp.example.com").build()).is_err());
    assert!(build(base().algorithms([Algorithm::HS256]).build()).is_err());
    assert!(build(base().jwks_url("http://idp.example.com/jwks").build()).is_err());
    let err = Auth::builder(
        AuthConfig::builder()
            .secret_key(SECRET)
            .issuer("https://idp.example.com")
            .build(),
    )
    .issuer(base().build())
    .build()
    .unwrap_err();
    assert!(err.to_string().contains("own issuer"), "{err}");
    let twice = Auth::builder(own_config())
        .issuer(base().build())
        .issuer(base().build())
        .build();
    assert!(twice.is_err());
}

fn b64(data: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let data = data.as_bytes();
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
