//! The round trip and the refusals that need a store (feature `sqlite`).

use super::*;

use authx::{AuthConfig, Claims, protect, routes};
use serde_json::Value;

const SECRET: &str = "apikey-cli-test-secret-0123456789abcdef";

#[protect(api_key, route = "GET /k")]
async fn k(claims: Claims) -> String {
    claims.sub
}

/// The CLI's and the service's environment: one SQLite file, one pepper and prefix.
fn env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AUTHX_SECRET_KEY", SECRET.to_owned()),
        ("AUTHX_API_KEY_PEPPER", PEPPER.to_owned()),
        ("AUTHX_API_KEY_PREFIX", "acme_test".to_owned()),
        ("AUTHX_STORE_URL", url.to_owned()),
    ]
}

fn borrow<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// `create` / `rotate`: the key alone on stdout, its id on stderr.
fn key_and_id(out: &Out) -> (String, String) {
    let key = out.stdout.strip_suffix('\n').expect("one line").to_owned();
    assert!(!key.contains('\n'), "{}", out.stdout);
    assert!(key.starts_with("acme_test_"), "{key}");
    let id = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("id="))
        .unwrap_or_else(|| panic!("no id= in {}", out.stderr))
        .to_owned();
    assert!(out.stderr.contains("shown once"), "{}", out.stderr);
    assert!(!out.stderr.contains(&key), "the key is on stdout only");
    (key, id)
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn keys_made_by_the_cli_open_a_service_on_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keys.db").display());
    let owned = env(&url);
    let env = borrow(&owned);

    let created = authx(
        &[
            "apikey",
            "create",
            "--owner",
            "user-1",
            "--name",
            "deploy",
            "--scope",
            "reports:read",
        ],
        &env,
    )
    .ok();
    let (key, id) = key_and_id(&created);

    let list = authx(&["apikey", "list"], &env).ok();
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "header and one key:\n{}", list.stdout);
    assert!(lines[0].starts_with("ID") && lines[0].ends_with("STATUS"));
    assert!(lines[1].starts_with(&id), "{}", list.stdout);
    for part in ["user-1", "deploy", "reports:read", "never", "live"] {
        assert!(lines[1].contains(part), "{part}: {}", list.stdout);
    }
    assert!(!list.stdout.contains(&key));

    // A service on the same URL, pepper and prefix.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let base = runtime.block_on(async {
        let config = AuthConfig::from_lookup(|name: &str| {
            owned
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap();
        let auth = authx::Auth::builder(config).connect().await.unwrap();
        let app = routes![k].with_state(auth);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).await.unwrap();
        });
        format!("http://{addr}/k")
    });
    let send = |key: &str| {
        runtime.block_on(async {
            let res = reqwest::Client::new()
                .get(&base)
                .header("X-API-Key", key)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        })
    };

    assert_eq!(send(&key), (200, "user-1".to_owned()));

    let revoked = authx(&["apikey", "revoke", &id], &env).ok();
    assert_eq!(revoked.stdout, format!("revoked {id}\n"));
    let (status, body) = send(&key);
    assert_eq!(status, 401, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error_type"], "RevokedTokenError", "{body}");

    // Rotation: the old key keeps working through the overlap, the new one works at once.
    // (Through --store this time, the URL not in the environment.)
    let no_url: Vec<_> = env
        .iter()
        .filter(|(k, _)| *k != "AUTHX_STORE_URL")
        .copied()
        .collect();
    let second = authx(
        &[
            "apikey",
            "--store",
            &url,
            "create",
            "--owner",
            "ci",
            "--service",
        ],
        &no_url,
    )
    .ok();
    let (old_key, old_id) = key_and_id(&second);
    let rotated = authx(&["apikey", "rotate", &old_id, "--overlap", "3600"], &env).ok();
    let (new_key, new_id) = key_and_id(&rotated);
    assert_ne!((&new_key, &new_id), (&old_key, &old_id));
    assert!(
        rotated
            .stderr
            .contains(&format!("{old_id} keeps working until")),
        "{}",
        rotated.stderr
    );
    // A service account's keys act as `service:<name>`, never as the user `ci`.
    assert_eq!(send(&old_key), (200, "service:ci".to_owned()));
    assert_eq!(send(&new_key), (200, "service:ci".to_owned()));

    // JSON lines; run from inside a runtime too (the command takes a thread of its own).
    let listed = runtime.block_on(async { authx(&["apikey", "list", "--json"], &env).ok() });
    let keys = json_lines(&listed.stdout);
    let by_id = |id: &str| {
        keys.iter()
            .find(|k| k["id"] == id)
            .unwrap_or_else(|| panic!("{id}: {keys:?}"))
    };
    assert_eq!(keys.len(), 3, "{}", listed.stdout);
    assert_eq!(by_id(&id)["status"], "revoked");
    assert!(by_id(&id)["revoked_at"].is_i64());
    assert_eq!(by_id(&old_id)["status"], "live");
    assert!(by_id(&old_id)["expires_at"].is_i64(), "the overlap ends");
    assert_eq!(by_id(&new_id)["status"], "live");
    assert_eq!(by_id(&new_id)["service"], true);
    assert_eq!(by_id(&new_id)["expires_at"], Value::Null);
    for secret in [&key, &old_key, &new_key] {
        assert!(!listed.stdout.contains(secret.as_str()));
    }
    assert!(!listed.stdout.contains("digest"), "{}", listed.stdout);

    let mine = authx(&["apikey", "list", "--json", "--owner", "ci"], &env).ok();
    assert_eq!(json_lines(&mine.stdout).len(), 2);
    let nobody = authx(&["apikey", "list", "--owner", "nobody"], &env).ok();
    assert_eq!(nobody.stdout, "");
    assert!(nobody.stderr.contains("no API keys"));

    // Delete: the record is gone, then there is nothing to delete.
    let deleted = authx(&["apikey", "delete", &id], &env).ok();
    assert_eq!(deleted.stdout, format!("deleted {id}\n"));
    let listed = authx(&["apikey", "list", "--json"], &env).ok();
    assert_eq!(json_lines(&listed.stdout).len(), 2);
    let message = authx(&["apikey", "delete", &id], &env).fails();
    assert_eq!(message, format!("no API key {id}"));
}

#[test]
fn unknown_ids_and_bad_settings_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keys.db").display());
    let owned = env(&url);
    let env = borrow(&owned);
    for cmd in ["revoke", "rotate", "delete"] {
        let message = authx(&["apikey", cmd, "ak_nope"], &env).fails();
        assert_eq!(message, "no API key ak_nope", "{cmd}");
    }
    for (flag, value) in [
        ("--scope", "a b"),
        ("--rate", "lots"),
        ("--allow-from", "nowhere"),
    ] {
        let out = authx(&["apikey", "create", "--owner", "u", flag, value], &env);
        let message = out.fails();
        assert!(
            message.starts_with("invalid API key settings"),
            "{flag}: {message}"
        );
    }
    let message = authx(&["apikey", "create", "--owner", ""], &env).fails();
    assert!(message.contains("owner"), "{message}");

    // A revoked key cannot be rotated.
    let (_, id) = key_and_id(&authx(&["apikey", "create", "--owner", "u"], &env).ok());
    authx(&["apikey", "revoke", &id], &env).ok();
    let message = authx(&["apikey", "rotate", &id], &env).fails();
    assert!(message.contains("revoked or expired"), "{message}");
}

#[test]
fn the_binary_prints_the_key_alone_and_errors_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keys.db").display());
    let owned = env(&url);
    let bin = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_authx"))
            .args(args)
            .env_clear()
            .envs(owned.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap()
    };
    let out = bin(&["apikey", "create", "--owner", "u"]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("acme_test_"), "{stdout}");

    let out = bin(&["apikey", "revoke", "ak_nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr, "error: no API key ak_nope\n");
}
