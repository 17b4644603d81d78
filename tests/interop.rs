//! Interoperability with Python AuthX, every algorithm, and key rotation.
//!
//! Fixtures in `tests/fixtures/python_authx/` were made by `make_fixtures.py` there (its
//! docstring says how): tokens issued by Python AuthX 1.7.1 that must verify here, and tokens
//! issued here that Python AuthX verified (its record is committed and checked below).

use std::collections::BTreeMap;

use authx::{
    Algorithm, Auth, AuthConfig, AuthError, TokenLocation, TokenType, config::VerificationKey,
};
use serde_json::{Value, json};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/python_authx");
const SECRET: &str = "authx-interop-secret-0123456789abcdef";
const EXP_2100: i64 = 4_102_444_800;

fn pem(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}.pem")).unwrap()
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()).unwrap()
}

/// The configuration Python AuthX used for each algorithm in the fixtures.
fn config(alg: &str) -> AuthConfig {
    let b = AuthConfig::builder().token_locations([TokenLocation::Headers, TokenLocation::Cookies]);
    match alg {
        "HS256" => b.secret_key(SECRET).build(),
        "RS256" => b
            .algorithm(Algorithm::RS256)
            .private_key(pem("rsa_private").as_str())
            .public_key(pem("rsa_public").as_str())
            .build(),
        "ES256" => b
            .algorithm(Algorithm::ES256)
            .private_key(pem("ec_private").as_str())
            .public_key(pem("ec_public").as_str())
            .build(),
        other => panic!("no fixture config for {other}"),
    }
}

#[test]
fn tokens_issued_by_python_authx_verify_here() {
    let tokens = fixture("python_tokens.json");
    for alg in ["HS256", "RS256", "ES256"] {
        let auth = Auth::new(config(alg)).unwrap();
        let access = auth
            .verify(tokens[alg]["access"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(access.sub, "user-7");
        assert_eq!(access.token_type, TokenType::Access);
        assert!(access.fresh);
        assert_eq!(access.exp, EXP_2100, "Python writes exp as a float");
        assert_eq!(access.scopes(), ["users:read", "admin:*"]);
        assert!(access.has_scope("admin:users:delete"));
        assert_eq!(access.extra["email"], "user7@example.com");
        assert_eq!(access.extra["tenant"], 3);
        assert!(
            access.csrf.is_some(),
            "Python adds a csrf claim when cookies are a location"
        );
        let refresh = auth
            .verify(tokens[alg]["refresh"].as_str().unwrap())
            .unwrap();
        assert_eq!(refresh.token_type, TokenType::Refresh);
        assert!(!refresh.fresh);
        assert_eq!(refresh.scopes(), ["users:read"]);
        // The wrong key refuses them.
        let other = Auth::new(AuthConfig::builder().secret_key("x".repeat(40)).build()).unwrap();
        assert!(
            other
                .verify(tokens[alg]["access"].as_str().unwrap())
                .is_err()
        );
    }
}

fn rust_tokens() -> BTreeMap<&'static str, BTreeMap<&'static str, String>> {
    ["HS256", "RS256", "ES256"]
        .into_iter()
        .map(|alg| {
            let auth = Auth::new(config(alg)).unwrap();
            let access = auth
                .tokens()
                .access("user-9")
                .fresh(true)
                .scopes(["orders:read", "admin:*"])
                .extra(json!({ "email": "user9@example.com" }))
                .expires_at(EXP_2100)
                .issue()
                .unwrap();
            let refresh = auth
                .tokens()
                .refresh("user-9")
                .scopes(["orders:read"])
                .expires_at(EXP_2100)
                .issue()
                .unwrap();
            (
                alg,
                BTreeMap::from([("access", access), ("refresh", refresh)]),
            )
        })
        .collect()
}

/// What Python AuthX must read from each of [`rust_tokens`].
fn assert_python_read(record: &Value, origin: &str) {
    for alg in ["HS256", "RS256", "ES256"] {
        let access = &record[alg]["access"];
        assert_eq!(access["sub"], "user-9", "{origin} {alg}: {record}");
        assert_eq!(access["type"], "access", "{origin} {alg}");
        assert_eq!(access["fresh"], true, "{origin} {alg}");
        assert_eq!(
            access["scopes"],
            json!(["orders:read", "admin:*"]),
            "{origin} {alg}"
        );
        assert_eq!(access["email"], "user9@example.com", "{origin} {alg}");
        let refresh = &record[alg]["refresh"];
        assert_eq!(refresh["sub"], "user-9", "{origin} {alg}");
        assert_eq!(refresh["type"], "refresh", "{origin} {alg}");
        assert_eq!(refresh["fresh"], false, "{origin} {alg}");
        assert_eq!(refresh["scopes"], json!(["orders:read"]), "{origin} {alg}");
    }
}

/// The Python interpreter with AuthX 1.7.1 that the README's test command prepares
/// (`AUTHX_TEST_PYTHON` overrides it).
fn python() -> String {
    std::env::var("AUTHX_TEST_PYTHON").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/authx-test-python/bin/python"
        )
        .into()
    })
}

/// Python AuthX verifies the tokens this build issues, now: the live half of the interop
/// promise. Fails (never skips) when Python AuthX cannot be run.
#[test]
fn python_authx_verifies_tokens_issued_now() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let python = python();
    let mut child = Command::new(&python)
        .arg(format!("{DIR}/make_fixtures.py"))
        .arg("verify")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run Python AuthX with {python}: {e}. The README's test command \
                 (`cargo xtask test`) installs authx==1.7.1 in that venv; or set \
                 AUTHX_TEST_PYTHON to a Python that has it"
            )
        });
    let tokens = serde_json::to_vec(&rust_tokens()).unwrap();
    child.stdin.take().unwrap().write_all(&tokens).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "Python AuthX refused a token issued here (or could not run):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_python_read(&record, "live");
}

#[test]
fn tokens_issued_here_were_verified_by_python_authx() {
    let path = format!("{DIR}/rust_tokens.json");
    if std::env::var_os("AUTHX_WRITE_INTEROP_FIXTURE").is_some() {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&rust_tokens()).unwrap() + "\n",
        )
        .unwrap();
        panic!(
            "{path} written: now run make_fixtures.py to have Python AuthX verify the tokens, \
             then run this test again without AUTHX_WRITE_INTEROP_FIXTURE"
        );
    }
    // The committed tokens still verify here, and carry what Python recorded reading from
    // them (the record is checked against the tokens, not only against constants)...
    let committed = fixture("rust_tokens.json");
    let record = fixture("rust_tokens_verified_by_python.json");
    assert_python_read(&record, "committed record");
    for alg in ["HS256", "RS256", "ES256"] {
        let auth = Auth::new(config(alg)).unwrap();
        for kind in ["access", "refresh"] {
            let claims = auth.verify(committed[alg][kind].as_str().unwrap()).unwrap();
            let read = &record[alg][kind];
            assert_eq!(read["sub"], claims.sub.as_str(), "{alg} {kind}");
            assert_eq!(read["type"], claims.token_type.as_str(), "{alg} {kind}");
            assert_eq!(read["fresh"], claims.fresh, "{alg} {kind}");
            assert_eq!(read["scopes"], json!(claims.scopes()), "{alg} {kind}");
            assert_eq!(
                read["email"],
                claims.extra.get("email").cloned().unwrap_or(Value::Null),
                "{alg} {kind}"
            );
        }
        // ...and today's tokens carry exactly the same claim names, so the record still
        // speaks for them.
        let names = |token: &str| {
            let claims = auth.verify(token).unwrap();
            serde_json::to_value(&claims)
                .unwrap()
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(committed[alg]["access"].as_str().unwrap()),
            names(&rust_tokens()[alg]["access"]),
            "{alg}: claim names changed since Python verified them"
        );
    }
}

#[test]
fn every_algorithm_issues_and_verifies() {
    let rsa = (pem("rsa_private"), pem("rsa_public"));
    let pairs = [
        (Algorithm::RS256, &rsa),
        (Algorithm::RS384, &rsa),
        (Algorithm::RS512, &rsa),
        (Algorithm::PS256, &rsa),
        (Algorithm::PS384, &rsa),
        (Algorithm::PS512, &rsa),
        (Algorithm::ES256, &(pem("ec_private"), pem("ec_public"))),
        (
            Algorithm::ES384,
            &(pem("ec384_private"), pem("ec384_public")),
        ),
        (
            Algorithm::EdDSA,
            &(pem("ed25519_private"), pem("ed25519_public")),
        ),
    ];
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let auth = Auth::new(
            AuthConfig::builder()
                .algorithm(alg)
                .secret_key(SECRET)
                .build(),
        )
        .unwrap();
        assert_eq!(
            auth.verify(&auth.tokens().create_access("u").unwrap())
                .unwrap()
                .sub,
            "u",
            "{alg:?}"
        );
    }
    for (alg, (private, public)) in pairs {
        let auth = Auth::new(
            AuthConfig::builder()
                .algorithm(alg)
                .private_key(private.as_str())
                .public_key(public.as_str())
                .build(),
        )
        .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        let token = auth.tokens().create_access("u").unwrap();
        assert_eq!(auth.verify(&token).unwrap().sub, "u", "{alg:?}");
        // A verify-only service (public key alone) accepts it and cannot issue.
        let verifier = Auth::new(
            AuthConfig::builder()
                .algorithm(alg)
                .public_key(public.as_str())
                .build(),
        )
        .unwrap();
        assert_eq!(verifier.verify(&token).unwrap().sub, "u");
        assert!(verifier.tokens().create_access("u").is_err());
    }
}

#[test]
fn bad_configurations_fail_at_construction() {
    let cases: Vec<(AuthConfig, &str)> = vec![
        (AuthConfig::builder().build(), "needs a secret"),
        (
            AuthConfig::builder().algorithm(Algorithm::RS256).build(),
            "needs a public key",
        ),
        (
            AuthConfig::builder()
                .algorithm(Algorithm::RS256)
                .public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
                .build(),
            "not a valid PEM",
        ),
        (
            AuthConfig::builder()
                .algorithm(Algorithm::ES256)
                .public_key(pem("rsa_public").as_str())
                .build(),
            "not a valid PEM",
        ),
        (
            AuthConfig::builder()
                .algorithm(Algorithm::RS256)
                .public_key("/no/such/key.pem")
                .build(),
            "cannot read key file",
        ),
        (
            AuthConfig::builder()
                .algorithm(Algorithm::RS256)
                .private_key(pem("rsa_old_private").as_str())
                .public_key(pem("rsa_public").as_str())
                .build(),
            "does not match the public key",
        ),
        (
            AuthConfig::builder()
                .algorithm(Algorithm::ES256)
                .private_key(pem("ec384_private").as_str())
                .public_key(pem("ec384_public").as_str())
                .build(),
            "ES256",
        ),
        (
            AuthConfig::builder()
                .secret_key(SECRET)
                .token_locations([])
                .build(),
            "token_locations is empty",
        ),
    ];
    for (config, expected) in cases {
        let err = Auth::new(config).expect_err(expected).to_string();
        assert!(
            err.contains(expected),
            "{err:?} should mention {expected:?}"
        );
    }
    let err = AuthConfig::from_lookup(|k| (k == "AUTHX_ALGORITHM").then(|| "HS1024".to_owned()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown algorithm"), "{err}");
}

#[test]
fn rotation_accepts_previous_keys_and_kid_selects_the_key() {
    // HMAC: the old secret still verifies, new tokens use the new one.
    let old = Auth::new(
        AuthConfig::builder()
            .secret_key("old-secret-0123456789abcdef0123456789")
            .build(),
    )
    .unwrap();
    let old_token = old.tokens().create_access("u").unwrap();
    let rotated = Auth::new(
        AuthConfig::builder()
            .secret_key("new-secret-0123456789abcdef0123456789")
            .previous_key(VerificationKey::secret(
                "old-secret-0123456789abcdef0123456789",
            ))
            .build(),
    )
    .unwrap();
    assert_eq!(rotated.verify(&old_token).unwrap().sub, "u");
    assert!(
        old.verify(&rotated.tokens().create_access("u").unwrap())
            .is_err(),
        "new tokens are signed with the new key"
    );
    // Across algorithms and with kids: RS256 "k2" current, RS256 "k1" previous.
    let k1 = Auth::new(
        AuthConfig::builder()
            .algorithm(Algorithm::RS256)
            .key_id("k1")
            .private_key(pem("rsa_old_private").as_str())
            .public_key(pem("rsa_old_public").as_str())
            .build(),
    )
    .unwrap();
    let k2 = Auth::new(
        AuthConfig::builder()
            .algorithm(Algorithm::RS256)
            .key_id("k2")
            .private_key(pem("rsa_private").as_str())
            .public_key(pem("rsa_public").as_str())
            .previous_key(
                VerificationKey::public_key(pem("rsa_old_public").as_str()).with_kid("k1"),
            )
            .build(),
    )
    .unwrap();
    let t1 = k1.tokens().create_access("u").unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(&t1).unwrap().kid.as_deref(),
        Some("k1")
    );
    assert_eq!(k2.verify(&t1).unwrap().sub, "u");
    // A token naming a kid nobody has is refused before any signature work.
    let unknown = k1.tokens().access("u").kid("k9").issue().unwrap();
    assert!(matches!(k2.verify(&unknown), Err(AuthError::Decode(_))));
    // A token claiming kid k2 but signed with k1's key fails the signature check.
    let lying = k1.tokens().access("u").kid("k2").issue().unwrap();
    assert!(matches!(
        k2.verify(&lying),
        Err(AuthError::InvalidSignature)
    ));
}

#[test]
fn issued_claims_use_authx_names() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .issuer("https://auth.test")
            .audience("api")
            .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
            .build(),
    )
    .unwrap();
    let token = auth
        .tokens()
        .access("u")
        .fresh(true)
        .scopes(["a:b"])
        .extra(json!({"role": "x"}))
        .issue()
        .unwrap();
    let payload: Value = jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
    let mut names: Vec<_> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    // `auth_time` (OIDC Core) is written on fresh tokens only: the login time, which Python
    // AuthX keeps as an extra claim and authx reads back for step-up and implicit refresh.
    assert_eq!(
        names,
        [
            "aud",
            "auth_time",
            "csrf",
            "exp",
            "fresh",
            "iat",
            "iss",
            "jti",
            "role",
            "scopes",
            "sub",
            "type"
        ]
    );
    assert_eq!(
        payload["aud"], "api",
        "one audience is written as a string, as PyJWT does"
    );
    // Reserved names cannot be smuggled in through extra data.
    assert!(
        auth.tokens()
            .access("u")
            .extra(json!({"sub": "admin"}))
            .issue()
            .is_err()
    );
    assert!(
        auth.tokens()
            .access("u")
            .extra(json!([1, 2]))
            .issue()
            .is_err()
    );
}
