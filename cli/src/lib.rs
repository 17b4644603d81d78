//! # authx-cli
//!
//! The `authx` command: generate signing keys, mint tokens and inspect them, and manage API
//! keys, with the same `AUTHX_*` configuration a service reads through
//! [`AuthConfig::from_env`](authx::AuthConfig::from_env).
//!
//! ```sh
//! authx keygen hs                                   # a secret for AUTHX_SECRET_KEY
//! authx keygen rsa --out keys                       # keys/private.pem, keys/public.pem
//! authx keys init --file keys.json                  # current + next keys for AUTHX_KEYS_FILE
//! authx keys rotate --file keys.json                # next -> current -> previous, new next
//! authx mint --sub user-1 --scopes users:read       # prints only the token
//! authx inspect "$TOKEN"                            # header, claims, expiry, valid or why not
//!
//! # API keys, in the service's store (AUTHX_STORE_URL or --store) with its AUTHX_API_KEY_PEPPER
//! KEY=$(authx apikey create --owner user-1 --name deploy --scope 'deploy:*')   # id on stderr
//! authx apikey list --owner user-1                  # one line per key: id ... status
//! authx apikey list --json                          # JSON lines
//! authx apikey rotate ak_123 --overlap 3600         # a new key; the old one works 1h more
//! authx apikey revoke ak_123                        # refused from now on, record kept
//! authx apikey delete ak_123                        # record gone
//!
//! # An app's routes, from its own registry (its main calls authx::registry::print_if_asked)
//! authx routes -- ./target/debug/my-app             # the audit table
//! authx routes --actions -- ./target/debug/my-app   # each route's Cedar action
//! ```
//!
//! `apikey` opens the store named by `--store URL`, else `AUTHX_STORE_URL`, never `memory://`
//! (a key created in the memory of a command that exits is gone with it). Each backend is a
//! cargo feature of this crate, none of them on by default:
//!
//! | store URL | feature |
//! |---|---|
//! | `sqlite://path.db` | `sqlite` |
//! | `postgres://user@host/db` | `postgres` |
//! | `redis://host:6379/0` | `redis` |
//! | `redis+cluster://host1:6379,host2:6379` | `redis-cluster` |
//!
//! so `cargo install --path cli --features sqlite,postgres,redis` builds a command for all three.
//! Keys are hashed with `AUTHX_API_KEY_PEPPER` (required) and start with
//! `AUTHX_API_KEY_PREFIX`: both must be the service's. No token key is needed.
//!
//! Everything the binary does is here, so it can be driven without a process: [`run`] takes the
//! parsed command line, an environment lookup and the standard streams.
//!
//! ```
//! use authx_cli::{Cli, Io, Status, run};
//! use clap::Parser;
//!
//! let env = |name: &str| (name == "AUTHX_SECRET_KEY").then(|| "k".repeat(32));
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//!
//! let cli = Cli::try_parse_from(["authx", "mint", "--sub", "user-1", "--fresh"]).unwrap();
//! let io = Io { stdin: &mut std::io::empty(), stdout: &mut out, stderr: &mut err };
//! assert_eq!(run(cli, &env, io).unwrap(), Status::Ok);
//! let token = String::from_utf8(out).unwrap();
//!
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//! let cli = Cli::try_parse_from(["authx", "inspect", token.trim()]).unwrap();
//! let io = Io { stdin: &mut std::io::empty(), stdout: &mut out, stderr: &mut err };
//! assert_eq!(run(cli, &env, io).unwrap(), Status::Ok);
//! assert!(String::from_utf8(out).unwrap().ends_with("valid\n"));
//! ```
//!
//! Exit codes: `0` success, `1` the token is invalid (`inspect`), `2` anything else went wrong
//! (a usage or configuration error, a file that cannot be written, an unknown API key id, a
//! store that fails).
#![deny(missing_docs, unsafe_code)]

pub mod apikey;
mod error;
pub mod inspect;
pub mod keygen;
pub mod keys;
pub mod mint;
pub mod routes;
mod time;

use std::io::{Read, Write};

use clap::{Parser, Subcommand};

pub use error::CliError;

/// Generate keys, mint and inspect authx tokens, manage API keys.
///
/// `mint`, `inspect` and `apikey` read the same AUTHX_* environment variables as a service built
/// with `AuthConfig::from_env()` (see `authx mint --help` for the list).
#[derive(Debug, Parser)]
#[command(name = "authx", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a signing key: an HMAC secret, or an RSA, P-256 or Ed25519 key pair.
    #[command(subcommand)]
    Keygen(keygen::KeygenCommand),
    /// Create and rotate a key file of current, next and previous keys (AUTHX_KEYS_FILE),
    /// published as a JWK Set.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Issue a token signed with the key configured in AUTHX_*; prints only the token.
    #[command(after_long_help = env_help())]
    Mint(mint::MintArgs),
    /// Decode a token, verify it with the AUTHX_* configuration and say whether it is valid.
    ///
    /// Prints the header and the claims as JSON, when the token was issued and when it
    /// expires, then `valid`, or `invalid: <error_type>: <message>` (exit code 1). The contents
    /// of a token that fails verification are printed too, labelled UNVERIFIED.
    #[command(after_long_help = env_help())]
    Inspect(inspect::InspectArgs),
    /// Create, list, rotate, revoke and delete API keys in the service's store (--store URL or
    /// AUTHX_STORE_URL; never memory://), hashed with AUTHX_API_KEY_PEPPER.
    ///
    /// `create` and `rotate` print the key alone on stdout (`KEY=$(authx apikey create ...)`):
    /// it is shown once, only its digest is stored. Each store needs the CLI's cargo feature of
    /// its name: sqlite, postgres, redis (redis-cluster for redis+cluster://).
    #[command(name = "apikey", after_long_help = env_help())]
    ApiKey(apikey::ApiKeyArgs),
    /// List an app's routes and the rules each declares (`--actions`: each route's Cedar
    /// action), as the app's own registry has them: runs `PROGRAM` with AUTHX_ROUTES set,
    /// which `authx::registry::print_if_asked()` at the start of its `main` answers.
    Routes(routes::RoutesArgs),
}

/// How a command that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Done (a token inspected is valid).
    Ok,
    /// The inspected token is invalid or cannot be decoded.
    InvalidToken,
}

impl Status {
    /// The process exit code: `0` or `1`.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::InvalidToken => 1,
        }
    }
}

/// The standard streams a command reads and writes.
pub struct Io<'a> {
    /// Where `inspect -` reads the token.
    pub stdin: &'a mut dyn Read,
    /// Results: tokens, secrets, API keys, reports, env lines.
    pub stdout: &'a mut dyn Write,
    /// Progress and hints (errors are returned, not written).
    pub stderr: &'a mut dyn Write,
}

/// Runs a parsed command line. `env` looks up environment variables (the binary passes
/// `std::env::var`, which makes the configuration exactly
/// [`AuthConfig::from_env`](authx::AuthConfig::from_env)'s).
///
/// An invalid token is not an error: it is [`Status::InvalidToken`], with the reason printed.
pub fn run(cli: Cli, env: &dyn Fn(&str) -> Option<String>, io: Io<'_>) -> Result<Status, CliError> {
    match cli.command {
        Command::Keygen(cmd) => keygen::run(&cmd, io.stdout, io.stderr).map(|()| Status::Ok),
        Command::Keys(cmd) => keys::run(&cmd, io.stdout).map(|()| Status::Ok),
        Command::Mint(args) => {
            let token = mint::mint(&args, env)?;
            writeln!(io.stdout, "{token}").map_err(CliError::Output)?;
            Ok(Status::Ok)
        }
        Command::Inspect(args) => inspect::run(&args, env, io.stdin, io.stdout),
        Command::ApiKey(args) => apikey::run(&args, env, io.stdout, io.stderr).map(|()| Status::Ok),
        Command::Routes(args) => routes::run(&args, io.stdout).map(|()| Status::Ok),
    }
}

/// The configuration variables, for `--help`.
fn env_help() -> String {
    let width = authx::config::ENV_VARS
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    let mut help =
        String::from("Configuration (environment variables, as AuthConfig::from_env):\n");
    for (name, meaning) in authx::config::ENV_VARS {
        help.push_str(&format!("  {name:width$}  {meaning}\n"));
    }
    help
}
