//! The vault (`authx::vault`) over real HTTP: the example service (`examples/vault.rs`) and a
//! small app of our own for locations, expiry and hostile input; plus a token made by Python's
//! `cryptography` Fernet (`tests/fixtures/fernet/python_token.json`, see
//! `make_python_fixture.py` there).

#[path = "../examples/vault.rs"]
#[allow(dead_code)]
mod vault_example;

use std::sync::Arc;
use std::time::Duration;

use authx::vault::{Vault, VaultCipherKind, VaultConfig, VaultPayload};
use authx::{MemoryStore, RevocationStore};
use authx_tests::{TestServer, assert_error, client, cookie_client, status_json};
use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use vault_example::Profile;

const KEY: &str = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";

fn vault() -> Vault {
    Vault::new(config()).unwrap()
}

fn config() -> VaultConfig {
    VaultConfig::builder()
        .key(KEY)
        .use_header(true)
        .cookie_secure(false)
        .build()
}

/// `GET /me` answers the payload; `GET /maybe` answers it or `null`.
fn app(vault: Vault) -> Router {
    async fn me(p: VaultPayload<Value>) -> axum::Json<Value> {
        axum::Json(p.into_inner())
    }
    async fn maybe(p: Option<VaultPayload<Value>>) -> axum::Json<Value> {
        axum::Json(p.map_or(Value::Null, VaultPayload::into_inner))
    }
    Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .with_state(vault)
}

async fn get_with(s: &TestServer, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = client().get(s.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    status_json(req.send().await.unwrap()).await
}

fn cookie(token: &str) -> String {
    format!("vault_token={token}")
}

/// The `Set-Cookie` values of a response.
fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn example_login_sets_a_cookie_that_me_reads() {
    let s = TestServer::start(vault_example::app(vault())).await;
    let res = client()
        .post(s.url("/vault/login"))
        .json(&json!({"username": "admin"}))
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(&res);
    let (status, body) = status_json(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["profile"],
        json!({"username": "admin", "role": "admin"})
    );
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let set = &cookies[0];
    assert!(set.starts_with("vault_token=gAAAAA"), "{set}");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"));
    assert!(set.contains("Max-Age=3600"), "{set}");
    // The cookie is opaque: the payload is nowhere in it.
    assert!(!set.contains("admin"), "{set}");

    let token = set
        .strip_prefix("vault_token=")
        .and_then(|v| v.split(';').next())
        .unwrap();
    let (status, body) = get_with(&s, "/vault/me", &[("cookie", &cookie(token))]).await;
    assert_eq!(
        (status, &body),
        (200, &json!({"username": "admin", "role": "admin"}))
    );
    // The server-side API reads the same token.
    let profile: Profile = vault().open(token).await.unwrap();
    assert_eq!(profile.role, "admin");
}

#[tokio::test]
async fn example_logout_disables_the_token_and_clears_the_cookie() {
    let s = TestServer::start(vault_example::app(vault())).await;
    let browser = cookie_client();
    let res = browser
        .post(s.url("/vault/login"))
        .json(&json!({"username": "ada"}))
        .send()
        .await
        .unwrap();
    let set = set_cookies(&res).remove(0);
    let token = set
        .strip_prefix("vault_token=")
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let (status, body) = status_json(browser.get(s.url("/vault/me")).send().await.unwrap()).await;
    assert_eq!(
        (status, &body),
        (200, &json!({"username": "ada", "role": "user"}))
    );

    let res = browser.post(s.url("/vault/logout")).send().await.unwrap();
    let cleared = set_cookies(&res);
    assert_eq!(status_json(res).await.0, 200);
    assert_eq!(cleared.len(), 1, "{cleared:?}");
    assert!(cleared[0].starts_with("vault_token=;"), "{cleared:?}");
    assert!(cleared[0].contains("Max-Age=0"), "{cleared:?}");

    // The browser dropped the cookie...
    let (status, body) = status_json(browser.get(s.url("/vault/me")).send().await.unwrap()).await;
    assert_error(status, &body, 401, "MissingTokenError");
    // ...and a copy of the token kept elsewhere is refused, by cookie and by header.
    let (status, body) = get_with(&s, "/vault/me", &[("cookie", &cookie(&token))]).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    let (status, body) = get_with(&s, "/vault/me", &[("x-vault-token", &token)]).await;
    assert_error(status, &body, 401, "RevokedTokenError");
    // Logging out again with it is refused too.
    let res = client()
        .post(s.url("/vault/logout"))
        .header("cookie", cookie(&token))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "RevokedTokenError");
}

#[tokio::test]
async fn example_refuses_an_empty_username() {
    let s = TestServer::start(vault_example::app(vault())).await;
    let res = client()
        .post(s.url("/vault/login"))
        .json(&json!({"username": " "}))
        .send()
        .await
        .unwrap();
    assert!(set_cookies(&res).is_empty());
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 400, "ValidationError");
}

#[tokio::test]
async fn header_location_works_and_the_cookie_wins_over_it() {
    let v = vault();
    let s = TestServer::start(app(v.clone())).await;
    let alice = v.seal(&json!({"name": "alice"})).unwrap();
    let bob = v.seal(&json!({"name": "bob"})).unwrap();

    let (status, body) = get_with(&s, "/me", &[("x-vault-token", &bob)]).await;
    assert_eq!((status, body), (200, json!({"name": "bob"})));

    let both = [("cookie", cookie(&alice)), ("x-vault-token", bob.clone())];
    let both: Vec<(&str, &str)> = both.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = get_with(&s, "/me", &both).await;
    assert_eq!((status, body), (200, json!({"name": "alice"})));

    // The cookie wins even when it is bad: a valid header does not rescue it.
    let (status, body) = get_with(
        &s,
        "/me",
        &[("cookie", "vault_token=garbage"), ("x-vault-token", &bob)],
    )
    .await;
    assert_error(status, &body, 401, "InvalidVaultTokenError");

    // With the header location off, the header is not read.
    let cookie_only =
        Vault::new(VaultConfig::builder().key(KEY).cookie_secure(false).build()).unwrap();
    let s2 = TestServer::start(app(cookie_only)).await;
    let (status, body) = get_with(&s2, "/me", &[("x-vault-token", &bob)]).await;
    assert_error(status, &body, 401, "MissingTokenError");
}

#[tokio::test]
async fn missing_expired_tampered_garbage_and_oversized_are_refused() {
    refuses_what_it_must(VaultCipherKind::Fernet).await;
}

#[tokio::test]
async fn the_xchacha20_poly1305_cipher_seals_opens_and_refuses_the_same() {
    refuses_what_it_must(VaultCipherKind::XChaCha20Poly1305).await;
    // A token of one cipher never opens with the other, whatever the key.
    let fernet = vault();
    let xchacha = Vault::new(xchacha_config()).unwrap();
    let from_fernet = fernet.seal(&json!({"name": "ada"})).unwrap();
    let from_xchacha = xchacha.seal(&json!({"name": "ada"})).unwrap();
    assert!(xchacha.open::<Value>(&from_fernet).await.is_err());
    assert!(fernet.open::<Value>(&from_xchacha).await.is_err());
    assert_eq!(
        xchacha.open::<Value>(&from_xchacha).await.unwrap(),
        json!({"name": "ada"})
    );
    // The example's login/me/logout flow works on it unchanged.
    let s = TestServer::start(vault_example::app(xchacha.clone())).await;
    let c = cookie_client();
    let res = c
        .post(s.url("/vault/login"))
        .json(&json!({"username": "ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, body) = status_json(c.get(s.url("/vault/me")).send().await.unwrap()).await;
    assert_eq!((status, body["username"].clone()), (200, json!("ada")));
}

fn xchacha_config() -> VaultConfig {
    VaultConfig::builder()
        .key(KEY)
        .cipher(VaultCipherKind::XChaCha20Poly1305)
        .cookie_secure(false)
        .build()
}

/// Missing, expired, tampered, foreign, garbage, truncated, oversized and ambiguous tokens are
/// refused by a vault on `cipher`; its genuine token still works after all that.
async fn refuses_what_it_must(cipher: VaultCipherKind) {
    let v = Vault::new(
        VaultConfig::builder()
            .key(KEY)
            .cipher(cipher)
            .use_header(true)
            .cookie_secure(false)
            .build(),
    )
    .unwrap();
    let s = TestServer::start(app(v.clone())).await;

    let (status, body) = get_with(&s, "/me", &[]).await;
    assert_error(status, &body, 401, "MissingTokenError");
    let (status, body) = get_with(&s, "/maybe", &[]).await;
    assert_eq!((status, body), (200, Value::Null));

    let expired = v
        .seal_with_ttl(&json!({"name": "late"}), Duration::ZERO)
        .unwrap();
    let (status, body) = get_with(&s, "/me", &[("x-vault-token", &expired)]).await;
    assert_error(status, &body, 401, "TokenExpiredError");

    let token = v.seal(&json!({"name": "ada"})).unwrap();
    let mut tampered = token.clone().into_bytes();
    tampered[40] = if tampered[40] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let other_key = Vault::new(
        VaultConfig::builder()
            .key(Vault::generate_key())
            .cipher(cipher)
            .build(),
    )
    .unwrap()
    .seal(&json!({"name": "ada"}))
    .unwrap();
    let oversized = format!("{token}{}", "A".repeat(20 * 1024));
    for (what, bad) in [
        ("tampered", tampered.as_str()),
        ("other key", &other_key),
        ("garbage", "not-a-token"),
        ("truncated", &token[..token.len() - 10]),
        ("oversized", &oversized),
        ("jwt-looking", "eyJhbGciOiJIUzI1NiJ9.e30.x"),
    ] {
        for header in ["cookie", "x-vault-token"] {
            let value = if header == "cookie" {
                cookie(bad)
            } else {
                bad.to_owned()
            };
            let (status, body) = get_with(&s, "/me", &[(header, &value)]).await;
            assert_error(status, &body, 401, "InvalidVaultTokenError");
            let (status, body) = get_with(&s, "/maybe", &[(header, &value)]).await;
            assert!(
                status == 401,
                "{what} in {header} on /maybe: {status} {body}"
            );
        }
    }

    // Two tokens in one location are ambiguous.
    let two = format!("{}; {}", cookie(&token), cookie(&token));
    let (status, body) = get_with(&s, "/me", &[("cookie", &two)]).await;
    assert_error(status, &body, 401, "InvalidVaultTokenError");

    // The genuine token still works after all that.
    let (status, body) = get_with(&s, "/me", &[("cookie", &cookie(&token))]).await;
    assert_eq!((status, body), (200, json!({"name": "ada"})));
}

#[tokio::test]
async fn a_shared_store_spreads_deactivation_across_instances() {
    let store: Arc<dyn RevocationStore> = Arc::new(MemoryStore::new());
    let a = Vault::with_store(config(), store.clone()).unwrap();
    let b = Vault::with_store(config(), store).unwrap();
    let sa = TestServer::start(app(a.clone())).await;
    let sb = TestServer::start(app(b)).await;
    let token = a.seal(&json!({"name": "ada"})).unwrap();
    let (status, _) = get_with(&sb, "/me", &[("x-vault-token", &token)]).await;
    assert_eq!(status, 200);
    a.disable(&token).await.unwrap();
    for s in [&sa, &sb] {
        let (status, body) = get_with(s, "/me", &[("x-vault-token", &token)]).await;
        assert_error(status, &body, 401, "RevokedTokenError");
    }
}

#[tokio::test]
async fn a_python_fernet_token_opens_over_http() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/fernet/python_token.json"
    );
    let f: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Python stamped the token once, at a fixed past time: a TTL long enough to reach it.
    let v = Vault::new(
        VaultConfig::builder()
            .key(f["key"].as_str().unwrap())
            .ttl(Duration::from_secs(100 * 365 * 86_400))
            .use_header(true)
            .build(),
    )
    .unwrap();
    let token = f["token"].as_str().unwrap();
    let payload: Value = v.open(token).await.unwrap();
    assert_eq!(payload, f["payload"]["data"]);

    let s = TestServer::start(app(v.clone())).await;
    let (status, body) = get_with(&s, "/me", &[("x-vault-token", token)]).await;
    assert_eq!((status, &body), (200, &f["payload"]["data"]), "{body}");
    // With the default one-hour TTL the same token is too old.
    let (status, body) = get_with(
        &TestServer::start(app(vault_with_key(f["key"].as_str().unwrap()))).await,
        "/me",
        &[("x-vault-token", token)],
    )
    .await;
    assert_error(status, &body, 401, "TokenExpiredError");
}

fn vault_with_key(key: &str) -> Vault {
    Vault::new(VaultConfig::builder().key(key).use_header(true).build()).unwrap()
}
