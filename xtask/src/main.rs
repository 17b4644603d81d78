//! `cargo xtask <task>`: project automation in Rust, as rust-analyzer does it.
//!
//! `cargo xtask test [-- <cargo test args>]` is the README's test command. On a fresh machine of
//! this project's kind it prepares everything the test suite needs, then runs every test:
//!
//! 1. Redis and PostgreSQL: started when they do not answer at `127.0.0.1:6379` / `:5432`
//!    (`AUTHX_TEST_REDIS_URL` / `AUTHX_TEST_POSTGRES_URL` point the tests elsewhere; then
//!    nothing is started);
//! 2. Chromium and chromedriver (Debian's `chromium`, `chromium-driver`) for `tests/browser.rs`,
//!    installed with apt when missing;
//! 3. Python AuthX 1.7.1 in a venv under `target/authx-test-python`, for the live interop test;
//! 4. `cargo test --workspace --all-features`.
//!
//! Tests that need a service fail, never skip, when it cannot be had: this task prepares what it
//! can and says what it could not, and the tests name what is missing.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const REDIS_URL: &str = "redis://127.0.0.1:6379";
const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const PYTHON_AUTHX: &str = "authx==1.7.1";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask test [-- <cargo test args>]\n\n  test    prepare Redis, \
                 PostgreSQL, Chromium and Python AuthX, then run every test"
            );
            ExitCode::from(2)
        }
    }
}

fn test(extra: &[String]) -> ExitCode {
    let root = workspace_root();
    let redis = env::var("AUTHX_TEST_REDIS_URL").unwrap_or_else(|_| REDIS_URL.into());
    let postgres = env::var("AUTHX_TEST_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_URL.into());
    let mut problems = Vec::new();
    if redis == REDIS_URL {
        ensure_redis(&mut problems);
    }
    if postgres == POSTGRES_URL {
        ensure_postgres(&mut problems);
    }
    ensure_chromium(&mut problems);
    let python = ensure_python_authx(&root, &mut problems);
    for p in &problems {
        eprintln!("xtask: warning: {p}; the tests that need it will fail and say so");
    }

    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let extra: Vec<&String> = extra.iter().skip_while(|a| *a == "--").collect();
    step("cargo test --workspace --all-features");
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["test", "--workspace", "--all-features"])
        .args(extra)
        .env("AUTHX_TEST_REDIS_URL", &redis)
        .env("AUTHX_TEST_POSTGRES_URL", &postgres)
        .env("AUTHX_TEST_PYTHON", &python)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(u8::try_from(s.code().unwrap_or(1)).unwrap_or(1)),
        Err(e) => {
            eprintln!("xtask: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn step(what: &str) {
    eprintln!("xtask: {what}");
}

/// Runs a command quietly; `true` when it ran and succeeded.
fn ok(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a command, its output shown; `true` when it succeeded.
fn run(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

fn installed(program: &str) -> bool {
    env::var_os("PATH")
        .is_some_and(|path| env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Polls `up` for up to 30 s.
fn wait_for(up: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if up() {
            return true;
        }
        sleep(Duration::from_millis(500));
    }
    up()
}

fn ensure_redis(problems: &mut Vec<String>) {
    let up = || ok("redis-cli", &["-h", "127.0.0.1", "-p", "6379", "ping"]);
    if up() {
        return;
    }
    if !installed("redis-server") {
        problems.push("redis-server is not installed and Redis is not running".into());
        return;
    }
    step("starting redis-server on 127.0.0.1:6379");
    let started = run(
        "redis-server",
        &[
            "--daemonize",
            "yes",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
    );
    if !started || !wait_for(up) {
        problems.push("Redis did not come up on 127.0.0.1:6379".into());
    }
}

fn ensure_postgres(problems: &mut Vec<String>) {
    let up = || ok("pg_isready", &["-h", "127.0.0.1", "-p", "5432"]);
    if up() {
        return;
    }
    let version = std::fs::read_dir("/etc/postgresql")
        .ok()
        .and_then(|mut dirs| dirs.next())
        .and_then(Result::ok)
        .map(|d| d.file_name().to_string_lossy().into_owned());
    let Some(version) = version.filter(|_| installed("pg_ctlcluster")) else {
        problems.push("PostgreSQL is not installed and not running".into());
        return;
    };
    step(&format!("starting PostgreSQL {version} (main cluster)"));
    let started = run(
        "pg_ctlcluster",
        &["--skip-systemctl-redirect", &version, "main", "start"],
    );
    if !started || !wait_for(up) {
        problems.push("PostgreSQL did not come up on 127.0.0.1:5432".into());
    }
}

fn ensure_chromium(problems: &mut Vec<String>) {
    if installed("chromium") && installed("chromedriver") {
        return;
    }
    step("installing chromium and chromium-driver (Debian packages) for tests/browser.rs");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let apt = |args: &[&str]| {
        if root {
            run("apt-get", args)
        } else {
            let mut sudo = vec!["-n", "apt-get"];
            sudo.extend_from_slice(args);
            run("sudo", &sudo)
        }
    };
    let installed_now =
        apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", "chromium", "chromium-driver"]);
    if !installed_now || !installed("chromium") || !installed("chromedriver") {
        problems.push("Chromium and chromedriver could not be installed".into());
    }
}

/// The venv's Python, with Python AuthX installed into it when missing.
fn ensure_python_authx(root: &Path, problems: &mut Vec<String>) -> String {
    let venv = root.join("target").join("authx-test-python");
    let python = venv.join("bin").join("python");
    let python_str = python.to_string_lossy().into_owned();
    if ok(&python_str, &["-c", "import authx, cryptography"]) {
        return python_str;
    }
    step(&format!(
        "installing Python {PYTHON_AUTHX} into {}",
        venv.display()
    ));
    let venv_str = venv.to_string_lossy().into_owned();
    let done = run("python3", &["-m", "venv", &venv_str])
        && run(
            &python_str,
            &[
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                PYTHON_AUTHX,
                "cryptography",
            ],
        );
    if !done || !ok(&python_str, &["-c", "import authx, cryptography"]) {
        problems.push(format!("Python {PYTHON_AUTHX} could not be installed"));
    }
    python_str
}
