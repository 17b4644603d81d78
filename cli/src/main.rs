//! The `authx` binary: parses the command line and hands it to [`authx_cli::run`].

use std::io;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = authx_cli::Cli::parse();
    let env = |name: &str| std::env::var(name).ok();
    let result = authx_cli::run(
        cli,
        &env,
        authx_cli::Io {
            stdin: &mut io::stdin().lock(),
            stdout: &mut io::stdout().lock(),
            stderr: &mut io::stderr().lock(),
        },
    );
    match result {
        Ok(status) => ExitCode::from(status.exit_code()),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
