//! What can make a command fail. An invalid token is not here: it is a result
//! ([`Status::InvalidToken`](crate::Status::InvalidToken)).

use std::io;
use std::path::PathBuf;

/// A command failed. Every variant exits with code `2`; the binary prints it as `error: ...`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// Arguments that parse but make no sense together.
    #[error("{0}")]
    Usage(String),
    /// The `AUTHX_*` configuration cannot work.
    #[error("configuration: {0}")]
    Config(#[source] authx::ConfigError),
    /// The configuration cannot verify tokens (`inspect` suggests `--no-verify`).
    #[error("configuration: {0}; or pass --no-verify to decode without verifying")]
    VerifyConfig(#[source] authx::ConfigError),
    /// The configuration verifies but cannot sign.
    #[error(
        "cannot sign {algorithm} tokens without a private key: set AUTHX_PRIVATE_KEY to a PEM string or `file:/path/private.pem` (see `authx keygen --help`)"
    )]
    NoPrivateKey {
        /// The configured algorithm.
        algorithm: String,
    },
    /// Issuing the token failed (reserved claim in `--extra`, signing error).
    #[error("cannot issue the token: {0}")]
    Issue(#[source] authx::IssueError),
    /// Key files already there and no `--force`.
    #[error("refusing to overwrite {}: pass --force to replace", list(.0))]
    Exists(Vec<PathBuf>),
    /// `keys init` on a key file that is already there: its keys sign live tokens.
    #[error(
        "refusing to overwrite {}: it already holds keys; rotate them with `authx keys rotate --file {}`, or remove the file first",
        .0.display(),
        .0.display()
    )]
    KeyFileExists(PathBuf),
    /// Reading or writing a file (or the standard input) failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// Generating or encoding a key failed.
    #[error("key generation failed: {0}")]
    Key(String),
    /// `apikey` without `AUTHX_API_KEY_PEPPER`.
    #[error(
        "API keys need a pepper: set AUTHX_API_KEY_PEPPER to the service's (it hashes every key; another value matches no key)"
    )]
    NoPepper,
    /// `apikey` without a store that outlives the command (none, or `memory://`).
    #[error(
        "API keys need the service's store: pass --store URL or set AUTHX_STORE_URL to sqlite://path.db, postgres://... or redis://... (a key created in memory:// would be gone when this command exits)"
    )]
    NoStore,
    /// `apikey` with a store URL this build cannot open: the cargo feature it needs.
    #[error(
        "this authx was built without the {0} store: build it with `--features {0}` (cargo install --path cli --features {0})"
    )]
    NoBackend(&'static str),
    /// The store failed, or its URL is wrong.
    #[error("{0}")]
    Store(#[source] authx::StoreError),
    /// An API key cannot be created, rotated, revoked or deleted (unknown id, invalid settings).
    #[error("{0}")]
    ApiKey(#[source] authx::api_key::ApiKeyError),
    /// Writing to the standard output or error failed.
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
}

impl CliError {
    /// The process exit code: always `2` (`1` is kept for invalid tokens).
    pub fn exit_code(&self) -> u8 {
        2
    }

    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(io::Error) -> CliError {
        let what = what.into();
        move |source| CliError::Io { what, source }
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" and ")
}
