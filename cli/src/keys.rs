//! `authx keys`: a key file of current, next and previous keys (`AUTHX_KEYS_FILE`), and its
//! rotation.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use authx::token::{KeyFile, SigningKeyEntry};
use clap::{Args, Subcommand, ValueEnum};

use crate::CliError;
use crate::keygen::{KeyPair, ed25519_pair, hmac_secret, p256_pair, rsa_pair};

/// `authx keys ...`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key file with a current and a next key (refuses to overwrite one).
    Init(InitArgs),
    /// Rotate a key file: next becomes current, current becomes previous (verify-only until
    /// its tokens expire), and a new next key is generated. A running engine picks it up with
    /// `auth.keys().reload()` or `AUTHX_KEYS_RELOAD_INTERVAL`.
    Rotate(RotateArgs),
}

/// The algorithms a key file can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyAlgorithm {
    /// ECDSA P-256 (the default: small keys, fast signatures).
    Es256,
    /// Ed25519.
    Eddsa,
    /// RSA 2048-bit, PKCS#1 v1.5.
    Rs256,
}

/// `authx keys init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The key file to create.
    #[arg(long, value_name = "PATH")]
    pub file: PathBuf,
    /// The signing algorithm.
    #[arg(long, value_enum, default_value = "es256")]
    pub algorithm: KeyAlgorithm,
}

/// `authx keys rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The key file to rotate.
    #[arg(long, value_name = "PATH")]
    pub file: PathBuf,
    /// How long a retired key keeps verifying, in seconds: the longest a token it signed can
    /// live (`AUTHX_REFRESH_TOKEN_EXPIRES`, 20 days by default), plus the leeway.
    #[arg(long, value_name = "SECONDS", default_value_t = 20 * 24 * 3600 + 60)]
    pub keep: u64,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A new key of `algorithm`, with a random `kid`.
fn entry(algorithm: &str) -> Result<SigningKeyEntry, CliError> {
    let pair: KeyPair = match algorithm {
        "ES256" => p256_pair()?,
        "EdDSA" => ed25519_pair()?,
        "RS256" => rsa_pair(2048)?,
        other => {
            return Err(CliError::Usage(format!(
                "the key file's algorithm {other} is not one `authx keys` generates (ES256, EdDSA, RS256)"
            )));
        }
    };
    let kid = hmac_secret(12)?;
    Ok(SigningKeyEntry::new(
        kid.as_str(),
        pair.private_pem.as_str(),
        pair.public_pem.as_str(),
        now(),
    ))
}

/// Runs `authx keys ...`.
pub fn run(cmd: &KeysCommand, stdout: &mut dyn Write) -> Result<(), CliError> {
    let out = |e| CliError::Output(e);
    match cmd {
        KeysCommand::Init(args) => {
            if args.file.exists() {
                return Err(CliError::KeyFileExists(args.file.clone()));
            }
            let algorithm = match args.algorithm {
                KeyAlgorithm::Es256 => "ES256",
                KeyAlgorithm::Eddsa => "EdDSA",
                KeyAlgorithm::Rs256 => "RS256",
            };
            let file = KeyFile::new(algorithm, entry(algorithm)?, entry(algorithm)?);
            file.save(&args.file).map_err(keyfile_err)?;
            writeln!(
                stdout,
                "{}: {algorithm}, current {}, next {}",
                args.file.display(),
                file.current.kid,
                file.next.kid
            )
            .map_err(out)?;
        }
        KeysCommand::Rotate(args) => {
            let mut file = KeyFile::load(&args.file).map_err(keyfile_err)?;
            let next = entry(&file.algorithm)?;
            file.rotate(next, now(), Duration::from_secs(args.keep));
            file.save(&args.file).map_err(keyfile_err)?;
            let previous: Vec<_> = file.previous.iter().map(|k| k.kid.as_str()).collect();
            writeln!(
                stdout,
                "{}: current {}, next {}, previous [{}]",
                args.file.display(),
                file.current.kid,
                file.next.kid,
                previous.join(", ")
            )
            .map_err(out)?;
        }
    }
    Ok(())
}

fn keyfile_err(e: authx::token::KeyFileError) -> CliError {
    CliError::Usage(e.to_string())
}
