//! Unit tests of `engine`.

use super::*;
use serde::Deserialize;
use serde_json::{Value, json};

const KEY: &str = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct User {
    id: u32,
    name: String,
}

fn vault() -> Vault {
    Vault::new(VaultConfig::builder().key(KEY).use_header(true).build()).unwrap()
}

fn parts(headers: &[(&str, &str)]) -> Parts {
    let mut b = http::Request::builder().uri("/");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(()).unwrap().into_parts().0
}

fn user() -> User {
    User {
        id: 1,
        name: "ada".into(),
    }
}

#[tokio::test]
async fn seals_and_opens_any_payload() {
    let v = vault();
    let token = v.seal(&user()).unwrap();
    assert_eq!(v.open::<User>(&token).await.unwrap(), user());
    let token = v.seal(&json!([1, "two", null])).unwrap();
    assert_eq!(
        v.open::<Value>(&token).await.unwrap(),
        json!([1, "two", null])
    );
    let token = v.seal("just a string").unwrap();
    assert_eq!(v.open::<String>(&token).await.unwrap(), "just a string");
}

#[tokio::test]
async fn the_envelope_has_data_jti_and_exp() {
    let v = vault();
    let token = v.seal(&user()).unwrap();
    let plain = crate::vault::cipher::FernetCipher::new(KEY)
        .unwrap()
        .open_at(&token, 3600, u64::try_from(now()).unwrap(), 1 << 14);
    let envelope: Value = serde_json::from_slice(&plain.unwrap()).unwrap();
    assert_eq!(envelope["data"], json!({"id": 1, "name": "ada"}));
    assert!(uuid::Uuid::parse_str(envelope["jti"].as_str().unwrap()).is_ok());
    let exp = envelope["exp"].as_i64().unwrap();
    assert!((now() + 3590..=now() + 3600).contains(&exp), "{exp}");
    let p = v.open_payload::<User>(&token).await.unwrap();
    assert_eq!(p.exp, exp);
    assert_eq!(p.token(), token);
    assert_eq!(p.jti, envelope["jti"].as_str().unwrap());
}

#[tokio::test]
async fn refuses_other_keys_wrong_shapes_and_garbage() {
    let v = vault();
    let other = Vault::new(VaultConfig::builder().key(Vault::generate_key()).build()).unwrap();
    let token = other.seal(&user()).unwrap();
    for bad in [
        token.as_str(),
        "",
        "garbage",
        "gAAAAA",
        "\u{0}\u{ff}",
        &"A".repeat(20_000),
    ] {
        assert!(
            matches!(v.open::<User>(bad).await, Err(AuthError::VaultTokenInvalid)),
            "{:?}",
            &bad[..bad.len().min(20)]
        );
    }
    let token = v.seal(&json!({"unrelated": true})).unwrap();
    assert!(matches!(
        v.open::<User>(&token).await,
        Err(AuthError::VaultTokenInvalid)
    ));
    // Authentic Fernet, but not an envelope.
    let raw = v
        .inner
        .codec
        .seal(b"{\"id\":1,\"name\":\"ada\"}", now_u64());
    assert!(matches!(
        v.open::<User>(&raw).await,
        Err(AuthError::VaultTokenInvalid)
    ));
}

#[tokio::test]
async fn expiry_is_checked_on_exp_and_fernet_ttl() {
    let v = vault();
    let token = v.seal_with_ttl(&user(), Duration::ZERO).unwrap();
    assert!(matches!(
        v.open::<User>(&token).await,
        Err(AuthError::Expired)
    ));
    // An exp far ahead does not outlive the Fernet TTL.
    let envelope = json!({"data": 1, "jti": "j", "exp": i64::MAX});
    let raw = v
        .inner
        .codec
        .seal(envelope.to_string().as_bytes(), now_u64());
    let later = u64::try_from(now()).unwrap() + 3601;
    assert_eq!(
        v.inner.codec.open_at(&raw, 3600, later, 1 << 14),
        Err(OpenError::Expired)
    );
    assert!(matches!(
        v.decrypt(&raw, now() + 3601),
        Err(AuthError::Expired)
    ));
    assert_eq!(v.open::<i32>(&raw).await.unwrap(), 1);
}

#[tokio::test]
async fn disabled_tokens_are_refused_until_they_expire() {
    let store = Arc::new(MemoryStore::new());
    let v = Vault::with_store(VaultConfig::builder().key(KEY).build(), store.clone()).unwrap();
    let token = v.seal(&user()).unwrap();
    let other = v.seal(&user()).unwrap();
    v.disable(&token).await.unwrap();
    v.disable(&token).await.unwrap();
    assert!(matches!(
        v.open::<User>(&token).await,
        Err(AuthError::Revoked)
    ));
    assert_eq!(v.open::<User>(&other).await.unwrap(), user());
    assert_eq!(store.len(), 1);
    let jti = v.decrypt(&token, now()).unwrap().jti;
    assert!(store.is_revoked(&format!("vault:{jti}")).await.unwrap());
    // Expired tokens need no entry; garbage is refused.
    let expired = v.seal_with_ttl(&user(), Duration::ZERO).unwrap();
    v.disable(&expired).await.unwrap();
    assert_eq!(store.len(), 1);
    assert!(matches!(
        v.disable("nope").await,
        Err(AuthError::VaultTokenInvalid)
    ));
}

#[tokio::test]
async fn a_failing_store_refuses_with_503() {
    let store = crate::store::blocklist_fn(|_| async { Err(StoreError::unavailable("down")) });
    let v = Vault::with_store(VaultConfig::builder().key(KEY).build(), Arc::new(store)).unwrap();
    let token = v.seal(&user()).unwrap();
    let err = v.open::<User>(&token).await.unwrap_err();
    assert_eq!(err.status(), http::StatusCode::SERVICE_UNAVAILABLE);
}

#[test]
fn cookies_follow_the_config() {
    let v = Vault::new(
        VaultConfig::builder()
            .key(KEY)
            .cookie_name("vt")
            .cookie_path("/app")
            .cookie_secure(false)
            .cookie_same_site(SameSite::Strict)
            .cookie_domain("example.com")
            .build(),
    )
    .unwrap();
    let set = v.set(&user()).unwrap();
    let set = set.values()[0].to_str().unwrap();
    assert!(set.starts_with("vt=gAAAAA"), "{set}");
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/app",
        "Domain=example.com",
        "Max-Age=3600",
    ] {
        assert!(set.contains(attr), "{attr} in {set}");
    }
    assert!(!set.contains("Secure"), "{set}");
    let removed = v.remove();
    let removed = removed.values()[0].to_str().unwrap();
    assert!(removed.starts_with("vt=;"), "{removed}");
    assert!(removed.contains("Max-Age=0") && removed.contains("Path=/app"));
    let default = vault().set(&user()).unwrap();
    assert!(default.values()[0].to_str().unwrap().contains("Secure"));
}

#[test]
fn oversized_payloads_are_not_sealed() {
    let v = vault();
    let err = v.seal(&"x".repeat(20_000)).unwrap_err();
    assert!(err.to_string().contains("max_token_size"), "{err}");
}

#[test]
fn locates_cookie_before_header_and_refuses_ambiguity() {
    let v = vault();
    let p = parts(&[("cookie", "a=1; vault_token=c"), ("x-vault-token", "h")]);
    assert_eq!(v.token(&p).unwrap(), Some("c"));
    let p = parts(&[("x-vault-token", " h ")]);
    assert_eq!(v.token(&p).unwrap(), Some("h"));
    let p = parts(&[("cookie", "vault_token="), ("x-vault-token", "h")]);
    assert_eq!(v.token(&p).unwrap(), Some("h"), "an empty cookie is absent");
    assert_eq!(v.token(&parts(&[])).unwrap(), None);
    for dup in [
        parts(&[("cookie", "vault_token=a; vault_token=b")]),
        parts(&[("cookie", "vault_token=a"), ("cookie", "vault_token=b")]),
        parts(&[("x-vault-token", "a"), ("x-vault-token", "b")]),
    ] {
        assert!(matches!(v.token(&dup), Err(AuthError::VaultTokenInvalid)));
    }
    let cookie_only = Vault::new(VaultConfig::builder().key(KEY).build()).unwrap();
    assert_eq!(
        cookie_only
            .token(&parts(&[("x-vault-token", "h")]))
            .unwrap(),
        None
    );
}

#[test]
fn bad_keys_fail_at_start() {
    for key in [
        "",
        "short",
        "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e",
        "!!!!",
    ] {
        let err = Vault::new(VaultConfig::builder().key(key).build()).unwrap_err();
        assert!(err.to_string().contains("vault.key"), "{err}");
    }
    let v = Vault::new(VaultConfig::default()).unwrap();
    assert!(v.seal(&1).is_ok(), "a random key when none is configured");
    assert!(!format!("{v:?}").contains(KEY));
}

#[tokio::test]
async fn python_envelope_opens() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/fernet/python_token.json"
    );
    let f: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Made once: its Fernet timestamp is the day it was made, so a long TTL here.
    let v = Vault::new(
        VaultConfig::builder()
            .key(f["key"].as_str().unwrap())
            .ttl(Duration::from_secs(100 * 365 * 86_400))
            .build(),
    )
    .unwrap();
    let p = v
        .open_payload::<Value>(f["token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(p.data, f["payload"]["data"]);
    assert_eq!(p.jti, f["payload"]["jti"].as_str().unwrap());
    assert_eq!(p.exp, f["payload"]["exp"].as_i64().unwrap());
}

/// Seconds since the epoch on the system clock (the vaults here are on it).
fn now() -> i64 {
    crate::clock::unix_now()
}

fn now_u64() -> u64 {
    u64::try_from(crate::clock::unix_now()).unwrap()
}
