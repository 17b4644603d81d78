//! `authx routes`: the routes of an app and the rules each declares, listed by the app itself
//! (its routes are registered inside its binary by `#[protect]` and `#[public]`, so the
//! command runs it, asking it to print them and exit).

use std::io::Write;
use std::process::Command;

use clap::Args;

use crate::CliError;

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
    let output = Command::new(program)
        .args(rest)
        .env(authx::registry::ROUTES_ENV, which)
        .output()
        .map_err(|source| CliError::Io {
            what: format!("cannot run {program}"),
            source,
        })?;
    let listed = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !listed.contains("ROUTE") {
        return Err(CliError::Usage(format!(
            "{program} did not list its routes ({}): start its `main` with \
             `if authx::registry::print_if_asked() {{ return }}`",
            output.status
        )));
    }
    stdout
        .write_all(listed.as_bytes())
        .map_err(CliError::Output)
}
