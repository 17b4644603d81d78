//! `authx apikey`, driven through [`authx_cli::run`]: keys created, rotated and revoked in a
//! SQLite file, then used against a service on that file over real HTTP; and the refusals.

use authx_cli::{Cli, CliError, Io, Status, apikey::ApiKeyCommand};
use clap::Parser;

const PEPPER: &str = "apikey-cli-test-pepper-0123456789abcdef";

/// What a command printed and how it ended.
// `stderr` and `ok` serve the tests on a store (feature `sqlite`).
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
struct Out {
    result: Result<Status, CliError>,
    stdout: String,
    stderr: String,
}

impl Out {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    fn ok(self) -> Self {
        if let Err(e) = &self.result {
            panic!(
                "error: {e}\nstdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            );
        }
        self
    }

    /// The error message, asserting exit code 2 and nothing on stdout.
    fn fails(self) -> String {
        let e = self.result.expect_err("the command should fail");
        assert_eq!(e.exit_code(), 2, "{e}");
        assert!(self.stdout.is_empty(), "{}", self.stdout);
        e.to_string()
    }
}

/// Runs `authx args...` in process with exactly `env`.
fn authx(args: &[&str], env: &[(&str, &str)]) -> Out {
    let cli = Cli::try_parse_from(std::iter::once("authx").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let io = Io {
        stdin: &mut std::io::empty(),
        stdout: &mut stdout,
        stderr: &mut stderr,
    };
    let result = authx_cli::run(cli, &lookup, io);
    Out {
        result,
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

#[test]
fn without_a_pepper_nothing_is_opened() {
    let env = [("AUTHX_STORE_URL", "sqlite://never-created.db")];
    let message = authx(&["apikey", "list"], &env).fails();
    assert!(message.contains("AUTHX_API_KEY_PEPPER"), "{message}");
    assert!(!std::path::Path::new("never-created.db").exists());
}

#[test]
fn memory_or_no_store_is_refused() {
    let pepper = ("AUTHX_API_KEY_PEPPER", PEPPER);
    for (args, env) in [
        (&["apikey", "create", "--owner", "u"][..], vec![pepper]),
        (
            &["apikey", "list"][..],
            vec![pepper, ("AUTHX_STORE_URL", "memory://")],
        ),
        (
            &["apikey", "list", "--store", "memory://"][..],
            vec![pepper, ("AUTHX_STORE_URL", "sqlite://a.db")],
        ),
        (&["apikey", "--store", "keys.db", "list"][..], vec![pepper]),
    ] {
        let message = authx(args, &env).fails();
        assert!(
            message.contains("--store URL") && message.contains("AUTHX_STORE_URL"),
            "{args:?}: {message}"
        );
        assert!(message.contains("memory://"), "{message}");
    }
}

#[cfg(not(feature = "sqlite"))]
#[test]
fn a_store_this_build_lacks_names_its_feature() {
    let env = [("AUTHX_API_KEY_PEPPER", PEPPER)];
    let message = authx(&["apikey", "list", "--store", "sqlite://k.db"], &env).fails();
    assert!(message.contains("--features sqlite"), "{message}");
}

#[test]
fn the_command_line_is_parsed() {
    let parse =
        |args: &[&str]| Cli::try_parse_from(std::iter::once("authx").chain(args.iter().copied()));
    let apikey = |args: &[&str]| match parse(args).unwrap().command {
        authx_cli::Command::ApiKey(a) => a,
        other => panic!("{other:?}"),
    };

    let a = apikey(&[
        "apikey",
        "create",
        "--owner",
        "ci",
        "--name",
        "deploy",
        "--scope",
        "a:read",
        "--scope",
        "b:*,c",
        "--expires-in",
        "60",
        "--rate",
        "10/60s",
        "--allow-from",
        "10.0.0.0/8",
        "--allow-from",
        "::1",
        "--service",
    ]);
    assert_eq!(a.store, None);
    let ApiKeyCommand::Create(c) = a.command else {
        panic!("{:?}", a.command)
    };
    assert_eq!(c.owner, "ci");
    assert_eq!(c.name.as_deref(), Some("deploy"));
    assert_eq!(c.scopes, ["a:read", "b:*", "c"]);
    assert_eq!(c.expires_in, Some(60));
    assert_eq!(c.rate.as_deref(), Some("10/60s"));
    assert_eq!(c.allow_from, ["10.0.0.0/8", "::1"]);
    assert!(c.service);

    // --store before or after the subcommand.
    for args in [
        &[
            "apikey",
            "--store",
            "sqlite://k.db",
            "list",
            "--owner",
            "u",
            "--json",
        ][..],
        &[
            "apikey",
            "list",
            "--json",
            "--owner",
            "u",
            "--store",
            "sqlite://k.db",
        ][..],
    ] {
        let a = apikey(args);
        assert_eq!(a.store.as_deref(), Some("sqlite://k.db"));
        let ApiKeyCommand::List(l) = a.command else {
            panic!("{:?}", a.command)
        };
        assert!(l.json);
        assert_eq!(l.owner.as_deref(), Some("u"));
    }

    let ApiKeyCommand::Rotate(r) = apikey(&["apikey", "rotate", "ak_1"]).command else {
        panic!()
    };
    assert_eq!((r.id.as_str(), r.overlap), ("ak_1", 86_400));
    let ApiKeyCommand::Rotate(r) = apikey(&["apikey", "rotate", "ak_1", "--overlap", "0"]).command
    else {
        panic!()
    };
    assert_eq!(r.overlap, 0);
    assert!(
        matches!(apikey(&["apikey", "revoke", "ak_1"]).command, ApiKeyCommand::Revoke(i) if i.id == "ak_1")
    );
    assert!(
        matches!(apikey(&["apikey", "delete", "ak_1"]).command, ApiKeyCommand::Delete(i) if i.id == "ak_1")
    );

    for bad in [
        &["apikey"][..],
        &["apikey", "create"],
        &["apikey", "create", "--owner", "u", "--expires-in", "0"],
        &["apikey", "create", "--owner", "u", "--expires-in", "-5"],
        &["apikey", "revoke"],
        &["apikey", "delete"],
        &["apikey", "rotate", "ak_1", "--overlap", "soon"],
        &["apikey", "list", "extra"],
        &["apikey", "frob"],
    ] {
        let e = parse(bad).expect_err(&format!("{bad:?} should not parse"));
        assert_eq!(e.exit_code(), 2, "{bad:?}");
    }
}

#[cfg(feature = "sqlite")]
mod sqlite;
