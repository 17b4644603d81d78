//! `authx routes`: the routes of an app and the rules each declares, listed by the app itself
//! (its routes are registered inside its binary by `#[protect]` and `#[public]`, so the
//! command runs it, asking it to print them and exit).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Args;

use crate::CliError;

/// How long an app has to print its routes.
const WAIT: Duration = Duration::from_secs(30);

/// `authx routes [--actions] -- <program> [args...]`.
#[derive(Debug, Args)]
pub struct RoutesArgs {
    /// Each route's Cedar action and resource type, rather than the whole audit table.
    #[arg(long)]
    pub actions: bool,
    /// The app to ask, and its arguments (after `--`). Its `main` must start with
    /// `if authx::registry::print_if_asked() { return }`.
    #[arg(last = true, required = true, value_name = "PROGRAM")]
    pub program: Vec<String>,
}

/// Runs the app with `AUTHX_ROUTES` set and prints what it lists.
pub fn run(args: &RoutesArgs, stdout: &mut dyn Write) -> Result<(), CliError> {
    let (program, rest) = args
        .program
        .split_first()
        .ok_or_else(|| CliError::Usage("name the app to ask: authx routes -- ./my-app".into()))?;
    let which = if args.actions { "actions" } else { "table" };
    let mut child = Command::new(program)
        .args(rest)
        .env(authx::registry::ROUTES_ENV, which)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| CliError::Io {
            what: format!("cannot run {program}"),
            source,
        })?;
    // Read as it comes (a pipe that fills would stall the app).
    let mut pipe = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(pipe) = pipe.as_mut() {
            let _ = std::io::Read::read_to_end(pipe, &mut out);
        }
        out
    });
    // An app that does not list its routes starts serving instead: it is stopped.
    let deadline = Instant::now() + WAIT;
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(CliError::Usage(format!(
                "{program} did not list its routes within {}s (it was stopped): start its \
                 `main` with `if authx::registry::print_if_asked() {{ return }}`",
                WAIT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().map_err(|source| CliError::Io {
        what: format!("cannot wait for {program}"),
        source,
    })?;
    let printed = reader.join().unwrap_or_default();
    let listed = String::from_utf8_lossy(&printed);
    if !status.success() || !listed.contains("ROUTE") {
        return Err(CliError::Usage(format!(
            "{program} did not list its routes ({status}): start its `main` with \
             `if authx::registry::print_if_asked() {{ return }}`"
        )));
    }
    stdout
        .write_all(listed.as_bytes())
        .map_err(CliError::Output)
}
