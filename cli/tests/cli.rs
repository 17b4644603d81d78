//! The real `authx` binary, run as a user would: each command gets only the environment the
//! test gives it (no inherited AUTHX_* variable).

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

const SECRET: &str = "test-secret-test-secret-test-secret-42";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    fn token(&self) -> String {
        self.stdout.trim().to_owned()
    }
}

/// Runs `authx args...` with exactly `env`, feeding `stdin` when given.
fn authx(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authx"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the authx binary runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input.as_bytes())
            .expect("stdin accepts the input");
    }
    let out = child.wait_with_output().expect("authx finishes");
    let run = Run {
        code: out
            .status
            .code()
            .expect("authx exits, not killed by a signal"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "authx {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

fn hs() -> Vec<(&'static str, &'static str)> {
    vec![("AUTHX_SECRET_KEY", SECRET)]
}

/// The JSON object printed after `title` (`claims:` or `UNVERIFIED claims:`).
fn json_after(stdout: &str, title: &str) -> Value {
    let start = stdout
        .find(&format!("{title}\n"))
        .unwrap_or_else(|| panic!("no {title:?} in:\n{stdout}"))
        + title.len()
        + 1;
    let rest = &stdout[start..];
    let end = rest.find("\n}").expect("the object closes") + 2;
    serde_json::from_str(&rest[..end]).expect("pretty JSON")
}

/// `KEY=value` lines, as `keygen` prints them.
fn env_lines(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn borrow(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn keygen_hs_prints_a_url_safe_secret_alone() {
    let a = authx(&["keygen", "hs"], &[], None).ok();
    let secret = a.stdout.strip_suffix('\n').expect("one line");
    assert!(!secret.contains('\n'));
    assert_eq!(secret.len(), 43, "32 bytes in unpadded base64: {secret}");
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{secret}"
    );
    assert_eq!(URL_SAFE_NO_PAD.decode(secret).unwrap().len(), 32);
    assert!(a.stderr.contains("AUTHX_SECRET_KEY"), "{}", a.stderr);

    let b = authx(&["keygen", "hs"], &[], None).ok();
    assert_ne!(a.stdout, b.stdout, "two secrets are never the same");

    let long = authx(&["keygen", "hs", "--bytes", "64"], &[], None).ok();
    assert_eq!(long.token().len(), 86);

    let short = authx(&["keygen", "hs", "--bytes", "16"], &[], None);
    assert_eq!(short.code, 2);
    assert!(short.stderr.starts_with("error: "), "{}", short.stderr);
    assert!(short.stdout.is_empty());

    // The secret works as AUTHX_SECRET_KEY.
    let env = [("AUTHX_SECRET_KEY", secret)];
    let token = authx(&["mint", "--sub", "u"], &env, None).ok().token();
    authx(&["inspect", &token], &env, None).ok();
}

#[test]
fn keygen_pairs_mint_and_inspect_for_every_family() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, alg, extra_args) in [
        ("rsa", "RS256", &["--bits", "2048"][..]),
        ("ec", "ES256", &[][..]),
        ("ed25519", "EdDSA", &[][..]),
    ] {
        let out = dir.path().join(kind);
        let out_str = out.to_str().unwrap();
        let mut args = vec!["keygen", kind, "--out", out_str];
        args.extend_from_slice(extra_args);
        let generated = authx(&args, &[], None).ok();

        let private = out.join("private.pem").canonicalize().unwrap();
        let public = out.join("public.pem").canonicalize().unwrap();
        let pem = std::fs::read_to_string(&private).unwrap();
        assert!(
            pem.starts_with("-----BEGIN PRIVATE KEY-----\n"),
            "{kind}: PKCS#8\n{pem}"
        );
        let pem = std::fs::read_to_string(&public).unwrap();
        assert!(
            pem.starts_with("-----BEGIN PUBLIC KEY-----\n"),
            "{kind}: SPKI\n{pem}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&private).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{kind}: private key mode {mode:o}");
        }

        // stdout is exactly the env lines to use.
        let env = env_lines(&generated.stdout);
        assert_eq!(
            env,
            vec![
                ("AUTHX_ALGORITHM".to_owned(), alg.to_owned()),
                (
                    "AUTHX_PRIVATE_KEY".to_owned(),
                    format!("file:{}", private.display())
                ),
                (
                    "AUTHX_PUBLIC_KEY".to_owned(),
                    format!("file:{}", public.display())
                ),
            ],
            "{kind}: {}",
            generated.stdout
        );
        assert!(
            generated.stderr.contains("private.pem"),
            "{}",
            generated.stderr
        );
        let env = borrow(&env);

        let minted = authx(
            &[
                "mint",
                "--sub",
                "alice",
                "--scopes",
                "users:read,orders:*",
                "--fresh",
                "--extra",
                r#"{"email":"alice@example.com"}"#,
            ],
            &env,
            None,
        )
        .ok();
        assert!(minted.stderr.is_empty(), "{}", minted.stderr);
        let token = minted.token();

        let inspected = authx(&["inspect", &token], &env, None).ok();
        assert!(
            inspected.stdout.ends_with("\nvalid\n"),
            "{}",
            inspected.stdout
        );
        assert!(!inspected.stdout.contains("UNVERIFIED"));
        let header = json_after(&inspected.stdout, "header:");
        assert_eq!(header["alg"], alg);
        let claims = json_after(&inspected.stdout, "claims:");
        assert_eq!(claims["sub"], "alice", "{kind}");
        assert_eq!(claims["type"], "access");
        assert_eq!(claims["fresh"], true);
        assert_eq!(
            claims["scopes"],
            serde_json::json!(["users:read", "orders:*"])
        );
        assert_eq!(claims["email"], "alice@example.com");
        assert!(
            inspected.stdout.contains("(expires in 15m)")
                || inspected.stdout.contains("(expires in 14m 59s)"),
            "{}",
            inspected.stdout
        );

        let refresh = authx(&["mint", "--sub", "alice", "--type", "refresh"], &env, None)
            .ok()
            .token();
        let inspected = authx(&["inspect", &refresh], &env, None).ok();
        let claims = json_after(&inspected.stdout, "claims:");
        assert_eq!(claims["type"], "refresh");
        assert_eq!(claims["fresh"], false);

        // A verify-only configuration inspects but does not mint.
        let verify_only: Vec<_> = env
            .iter()
            .copied()
            .filter(|(k, _)| *k != "AUTHX_PRIVATE_KEY")
            .collect();
        authx(&["inspect", &token], &verify_only, None).ok();
        let refused = authx(&["mint", "--sub", "alice"], &verify_only, None);
        assert_eq!(refused.code, 2);
        assert!(
            refused.stderr.contains("AUTHX_PRIVATE_KEY"),
            "{}",
            refused.stderr
        );
        assert!(refused.stdout.is_empty());
    }
}

#[test]
fn keygen_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    authx(&["keygen", "ec", "--out", out], &[], None).ok();
    let before = std::fs::read(dir.path().join("private.pem")).unwrap();

    let again = authx(&["keygen", "ed25519", "--out", out], &[], None);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.starts_with("error: refusing to overwrite"),
        "{}",
        again.stderr
    );
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert!(again.stdout.is_empty());
    assert_eq!(
        std::fs::read(dir.path().join("private.pem")).unwrap(),
        before
    );

    let forced = authx(&["keygen", "ed25519", "--out", out, "--force"], &[], None).ok();
    assert!(forced.stdout.contains("AUTHX_ALGORITHM=EdDSA"));
    assert_ne!(
        std::fs::read(dir.path().join("private.pem")).unwrap(),
        before
    );

    // One file is enough to refuse, and nothing is written then.
    let lone = tempfile::tempdir().unwrap();
    std::fs::write(lone.path().join("public.pem"), "mine").unwrap();
    let refused = authx(
        &["keygen", "ec", "--out", lone.path().to_str().unwrap()],
        &[],
        None,
    );
    assert_eq!(refused.code, 2);
    assert!(!lone.path().join("private.pem").exists());
    assert_eq!(
        std::fs::read_to_string(lone.path().join("public.pem")).unwrap(),
        "mine"
    );
}

#[test]
fn keygen_writes_into_the_current_directory_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_authx"))
        .args(["keygen", "ed25519"])
        .env_clear()
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(dir.path().join("private.pem").exists() && dir.path().join("public.pem").exists());
}

#[test]
fn mint_prints_only_the_token() {
    let run = authx(&["mint", "--sub", "u1"], &hs(), None).ok();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let token = run.stdout.strip_suffix('\n').unwrap();
    assert!(!token.contains(char::is_whitespace));
    assert_eq!(token.matches('.').count(), 2);
}

#[test]
fn mint_follows_the_environment() {
    let env = [
        ("AUTHX_SECRET_KEY", SECRET),
        ("AUTHX_ALGORITHM", "HS512"),
        ("AUTHX_ISSUER", "auth.example"),
        ("AUTHX_AUDIENCE", "api"),
        ("AUTHX_KEY_ID", "k1"),
        ("AUTHX_ACCESS_TOKEN_EXPIRES", "60"),
    ];
    let token = authx(&["mint", "--sub", "u1"], &env, None).ok().token();
    let run = authx(&["inspect", &token], &env, None).ok();
    let header = json_after(&run.stdout, "header:");
    assert_eq!(header["alg"], "HS512");
    assert_eq!(header["kid"], "k1");
    let claims = json_after(&run.stdout, "claims:");
    assert_eq!(claims["iss"], "auth.example");
    assert_eq!(claims["aud"], "api");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );

    // --expires overrides the configured lifetime.
    let token = authx(&["mint", "--sub", "u1", "--expires", "7200"], &env, None)
        .ok()
        .token();
    let run = authx(&["inspect", &token], &env, None).ok();
    assert!(
        run.stdout.contains("(expires in 2h)") || run.stdout.contains("(expires in 1h 59m)"),
        "{}",
        run.stdout
    );

    // Another issuer refuses it, as a service would.
    let mut other = env.to_vec();
    other[2] = ("AUTHX_ISSUER", "elsewhere");
    let run = authx(&["inspect", &token], &other, None);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("invalid: TokenInvalidIssuerError"),
        "{}",
        run.stdout
    );
}

#[test]
fn mint_refuses_bad_arguments_with_code_2() {
    for (args, expect) in [
        (
            &["mint", "--sub", "u", "--type", "refresh", "--fresh"][..],
            "--fresh",
        ),
        (&["mint", "--sub", "u", "--extra", "[1]"][..], "JSON object"),
        (
            &["mint", "--sub", "u", "--extra", "{"][..],
            "not valid JSON",
        ),
        (
            &["mint", "--sub", "u", "--extra", r#"{"sub":"root"}"#][..],
            "reserved",
        ),
        (&["mint", "--sub", ""][..], "--sub"),
        (&["mint", "--sub", "u", "--type", "id"][..], "--type"),
        (&["mint"][..], "--sub"),
        (&["frobnicate"][..], "frobnicate"),
    ] {
        let run = authx(args, &hs(), None);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(expect), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn missing_secret_is_a_configuration_error_naming_the_variable() {
    let run = authx(&["mint", "--sub", "u"], &[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("AUTHX_SECRET_KEY"), "{}", run.stderr);
    assert!(run.stdout.is_empty());

    let token = authx(&["mint", "--sub", "u"], &hs(), None).ok().token();
    let run = authx(&["inspect", &token], &[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("AUTHX_SECRET_KEY"), "{}", run.stderr);
    assert!(run.stderr.contains("--no-verify"), "{}", run.stderr);

    let run = authx(
        &["mint", "--sub", "u"],
        &[("AUTHX_ALGORITHM", "HS999")],
        None,
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("AUTHX_ALGORITHM"), "{}", run.stderr);
}

#[test]
fn expired_tokens_are_invalid_and_still_shown() {
    for expires in ["0", "-7200"] {
        let token = authx(&["mint", "--sub", "u1", "--expires", expires], &hs(), None)
            .ok()
            .token();
        let run = authx(&["inspect", &token], &hs(), None);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.stdout
                .ends_with("invalid: TokenExpiredError: Token has expired\n"),
            "{}",
            run.stdout
        );
        let claims = json_after(&run.stdout, "UNVERIFIED claims:");
        assert_eq!(claims["sub"], "u1");
        assert!(run.stdout.contains("UNVERIFIED header:"));
    }
    let token = authx(&["mint", "--sub", "u1", "--expires", "-7200"], &hs(), None)
        .ok()
        .token();
    let run = authx(&["inspect", &token], &hs(), None);
    assert!(run.stdout.contains("(expired 2h ago)"), "{}", run.stdout);
}

#[test]
fn tampered_tokens_fail_their_signature() {
    let token = authx(&["mint", "--sub", "alice"], &hs(), None).ok().token();
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = "admin".into();
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);

    let run = authx(&["inspect", &forged], &hs(), None);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .ends_with("invalid: TokenInvalidSignatureError: Signature verification failed\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        json_after(&run.stdout, "UNVERIFIED claims:")["sub"],
        "admin"
    );

    // Signed with another key.
    let other = [("AUTHX_SECRET_KEY", "another-secret-another-secret-another")];
    let run = authx(&["inspect", &token], &other, None);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("TokenInvalidSignatureError"),
        "{}",
        run.stdout
    );
}

#[test]
fn garbage_is_a_decode_error_not_a_panic() {
    for garbage in [
        "not-a-token",
        "a.b.c",
        "e30.e30.e30",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "💥.💥.💥",
        "a.b.c.d.e",
        "....",
    ] {
        let run = authx(&["inspect", garbage], &hs(), None);
        assert_eq!(run.code, 1, "{garbage}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("invalid: JWTDecodeError"),
            "{garbage}: {}",
            run.stdout
        );
        // A service answers one coarse message; the operator still sees which check tripped.
        if garbage.starts_with("eyJhbGciOiJub25l") {
            assert!(
                run.stdout.contains("Invalid token (algorithm not allowed)"),
                "{}",
                run.stdout
            );
        }

        let run = authx(&["inspect", "--no-verify", garbage], &[], None);
        let decodable = garbage.starts_with("e");
        assert_eq!(
            run.code,
            if decodable { 0 } else { 1 },
            "{garbage}: {}",
            run.stdout
        );
    }
    let run = authx(&["inspect", ""], &hs(), None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("empty"), "{}", run.stderr);
}

#[test]
fn inspect_reads_standard_input() {
    let token = authx(&["mint", "--sub", "u1"], &hs(), None).ok().token();
    let run = authx(&["inspect", "-"], &hs(), Some(&format!("{token}\n"))).ok();
    assert!(run.stdout.ends_with("\nvalid\n"), "{}", run.stdout);
    let run = authx(&["inspect", "-"], &hs(), Some(&format!("Bearer {token}"))).ok();
    assert_eq!(json_after(&run.stdout, "claims:")["sub"], "u1");

    let run = authx(&["inspect", "-"], &hs(), Some("\n"));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("standard input"), "{}", run.stderr);
}

#[test]
fn no_verify_decodes_without_a_key() {
    let token = authx(&["mint", "--sub", "u1", "--scopes", "a"], &hs(), None)
        .ok()
        .token();
    let run = authx(&["inspect", "--no-verify", &token], &[], None).ok();
    assert!(
        run.stdout.contains("UNVERIFIED (--no-verify) claims:"),
        "{}",
        run.stdout
    );
    let claims = json_after(&run.stdout, "UNVERIFIED (--no-verify) claims:");
    assert_eq!(claims["scopes"], serde_json::json!(["a"]));
    assert!(run.stdout.ends_with("not verified (--no-verify)\n"));
}

#[test]
fn help_covers_every_command() {
    let run = authx(&["--help"], &[], None).ok();
    for word in ["keygen", "mint", "inspect"] {
        assert!(run.stdout.contains(word), "{}", run.stdout);
    }
    let run = authx(&["mint", "--help"], &[], None).ok();
    for word in [
        "--sub",
        "--scopes",
        "--type",
        "--fresh",
        "--expires",
        "--extra",
        "AUTHX_SECRET_KEY",
    ] {
        assert!(run.stdout.contains(word), "{word}: {}", run.stdout);
    }
    let run = authx(&["inspect", "--help"], &[], None).ok();
    assert!(run.stdout.contains("--no-verify") && run.stdout.contains("UNVERIFIED"));
    for sub in ["hs", "rsa", "ec", "ed25519"] {
        let run = authx(&["keygen", sub, "--help"], &[], None).ok();
        assert!(run.stdout.contains("Usage: authx keygen"), "{}", run.stdout);
    }
}

#[test]
fn keys_init_and_rotate_a_key_file_the_engine_loads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.json");
    let path = file.to_str().unwrap();
    let run = authx(&["keys", "init", "--file", path], &[], None).ok();
    assert!(run.stdout.contains("ES256"), "{}", run.stdout);
    let first: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the key file is readable by others: {mode:o}"
        );
    }
    // init refuses to replace a key file.
    assert_eq!(authx(&["keys", "init", "--file", path], &[], None).code, 2);

    authx(&["keys", "rotate", "--file", path], &[], None).ok();
    let second: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(second["current"]["kid"], first["next"]["kid"]);
    assert_eq!(second["previous"][0]["kid"], first["current"]["kid"]);
    assert!(second["previous"][0].get("private_key").is_none());
    assert_ne!(second["next"]["kid"], first["next"]["kid"]);

    // The rotated file is what an engine loads: the former next key signs.
    let env = [("AUTHX_KEYS_FILE", path)];
    let token = authx(&["mint", "--sub", "u"], &env, None).ok().token();
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["kid"], second["current"]["kid"]);
    assert_eq!(header["alg"], "ES256");
    authx(&["inspect", &token], &env, None).ok();

    // Rotating a file that is not one fails cleanly.
    std::fs::write(&file, "nope").unwrap();
    let run = authx(&["keys", "rotate", "--file", path], &[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("keys.json"), "{}", run.stderr);
}
