//! `authx keygen`: an HMAC secret, or an RSA, P-256 or Ed25519 key pair written as
//! `private.pem` (PKCS#8) and `public.pem` (SPKI), the formats `AUTHX_PRIVATE_KEY` and
//! `AUTHX_PUBLIC_KEY` read.
//!
//! Randomness comes from the operating system (`OsRng`); keys are made by the RustCrypto crates
//! authx itself verifies with (`rsa`, `p256`, `ed25519-dalek`).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{Args, Subcommand};
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rand_core::{OsRng, RngCore};

use crate::CliError;

/// Which key to generate.
#[derive(Debug, Subcommand)]
pub enum KeygenCommand {
    /// Print a random HMAC secret for AUTHX_SECRET_KEY (HS256, HS384, HS512).
    ///
    /// The secret is `--bytes` random bytes as url-safe base64 without padding (32 bytes give
    /// 43 characters), printed alone on stdout:
    /// `export AUTHX_SECRET_KEY=$(authx keygen hs)`.
    Hs {
        /// Random bytes in the secret (32 at least; 64 suits HS512).
        #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(32..=1024))]
        bytes: u16,
    },
    /// Write an RSA key pair for RS256/384/512 and PS256/384/512.
    Rsa {
        /// Modulus size.
        #[arg(long, default_value_t = 2048, value_parser = parse_rsa_bits)]
        bits: usize,
        /// Where to write the keys.
        #[command(flatten)]
        out: OutArgs,
    },
    /// Write a P-256 key pair for ES256.
    Ec {
        /// Where to write the keys.
        #[command(flatten)]
        out: OutArgs,
    },
    /// Write an Ed25519 key pair for EdDSA.
    Ed25519 {
        /// Where to write the keys.
        #[command(flatten)]
        out: OutArgs,
    },
}

/// Where a key pair goes.
#[derive(Debug, Args)]
pub struct OutArgs {
    /// Directory for private.pem and public.pem (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Replace private.pem and public.pem when they exist.
    #[arg(long)]
    pub force: bool,
}

/// A generated key pair, PEM-encoded.
pub struct KeyPair {
    /// The `AUTHX_ALGORITHM` it signs with.
    pub algorithm: &'static str,
    /// What it is, for people (`RSA 2048-bit`).
    pub kind: String,
    /// PKCS#8 private key PEM (wiped from memory when dropped).
    pub private_pem: Zeroizing<String>,
    /// SPKI public key PEM.
    pub public_pem: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("algorithm", &self.algorithm)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Where [`write_pair`] put the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Absolute path of `private.pem`.
    pub private: PathBuf,
    /// Absolute path of `public.pem`.
    pub public: PathBuf,
}

/// Runs `authx keygen ...`: the secret or the env lines on `stdout`, progress on `stderr`.
pub fn run(
    cmd: &KeygenCommand,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), CliError> {
    let (pair, out) = match cmd {
        KeygenCommand::Hs { bytes } => {
            let secret = hmac_secret(usize::from(*bytes))?;
            writeln!(stdout, "{}", secret.as_str()).map_err(CliError::Output)?;
            writeln!(
                stderr,
                "{bytes} random bytes, url-safe base64 without padding: use as AUTHX_SECRET_KEY (AUTHX_ALGORITHM=HS256, HS384 or HS512)"
            )
            .map_err(CliError::Output)?;
            return Ok(());
        }
        KeygenCommand::Rsa { bits, out } => {
            writeln!(stderr, "generating an RSA {bits}-bit key...").map_err(CliError::Output)?;
            (rsa_pair(*bits)?, out)
        }
        KeygenCommand::Ec { out } => (p256_pair()?, out),
        KeygenCommand::Ed25519 { out } => (ed25519_pair()?, out),
    };
    let written = write_pair(&out.out, &pair, out.force)?;
    writeln!(
        stderr,
        "wrote {} ({} private key, PKCS#8, readable by its owner only)\nwrote {} ({} public key, SPKI)",
        written.private.display(),
        pair.kind,
        written.public.display(),
        pair.kind,
    )
    .map_err(CliError::Output)?;
    writeln!(
        stdout,
        "AUTHX_ALGORITHM={}\nAUTHX_PRIVATE_KEY=file:{}\nAUTHX_PUBLIC_KEY=file:{}",
        pair.algorithm,
        written.private.display(),
        written.public.display(),
    )
    .map_err(CliError::Output)?;
    if pair.algorithm == "RS256" {
        writeln!(
            stderr,
            "the same key signs RS384, RS512, PS256, PS384 and PS512: change AUTHX_ALGORITHM to use one"
        )
        .map_err(CliError::Output)?;
    }
    Ok(())
}

/// `bytes` random bytes as url-safe base64 without padding.
pub fn hmac_secret(bytes: usize) -> Result<Zeroizing<String>, CliError> {
    let mut raw = Zeroizing::new(vec![0u8; bytes]);
    OsRng
        .try_fill_bytes(&mut raw)
        .map_err(|e| CliError::Key(format!("the system random generator failed: {e}")))?;
    Ok(Zeroizing::new(URL_SAFE_NO_PAD.encode(&*raw)))
}

/// An RSA key pair (`bits`: 2048, 3072 or 4096).
pub fn rsa_pair(bits: usize) -> Result<KeyPair, CliError> {
    let private = rsa::RsaPrivateKey::new(&mut OsRng, bits).map_err(key_err)?;
    let public = rsa::RsaPublicKey::from(&private);
    Ok(KeyPair {
        algorithm: "RS256",
        kind: format!("RSA {bits}-bit"),
        private_pem: private.to_pkcs8_pem(LineEnding::LF).map_err(key_err)?,
        public_pem: public.to_public_key_pem(LineEnding::LF).map_err(key_err)?,
    })
}

/// A P-256 key pair (ES256).
pub fn p256_pair() -> Result<KeyPair, CliError> {
    let private = p256::SecretKey::random(&mut OsRng);
    Ok(KeyPair {
        algorithm: "ES256",
        kind: "P-256".into(),
        private_pem: private.to_pkcs8_pem(LineEnding::LF).map_err(key_err)?,
        public_pem: private
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(key_err)?,
    })
}

/// An Ed25519 key pair (EdDSA). The private key is written as PKCS#8 v1 (RFC 8410, without the
/// optional public key), the form OpenSSL writes and every JWT library reads.
pub fn ed25519_pair() -> Result<KeyPair, CliError> {
    let signing = ed25519_dalek::SigningKey::generate(&mut OsRng);
    let v1 = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: signing.to_bytes(),
        public_key: None,
    };
    Ok(KeyPair {
        algorithm: "EdDSA",
        kind: "Ed25519".into(),
        private_pem: v1.to_pkcs8_pem(LineEnding::LF).map_err(key_err)?,
        public_pem: signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(key_err)?,
    })
}

/// Writes `private.pem` (mode 0600 on unix) and `public.pem` into `dir`, creating it. Without
/// `force`, refuses before writing anything when either file exists.
pub fn write_pair(dir: &Path, pair: &KeyPair, force: bool) -> Result<Written, CliError> {
    fs::create_dir_all(dir).map_err(CliError::io(format!("cannot create {}", dir.display())))?;
    let dir = dir
        .canonicalize()
        .map_err(CliError::io(format!("cannot resolve {}", dir.display())))?;
    let written = Written {
        private: dir.join("private.pem"),
        public: dir.join("public.pem"),
    };
    let targets = [&written.private, &written.public];
    if force {
        for path in targets {
            match fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(CliError::io(format!("cannot replace {}", path.display()))(
                        e,
                    ));
                }
                _ => {}
            }
        }
    } else {
        let existing: Vec<PathBuf> = targets
            .into_iter()
            .filter(|p| p.symlink_metadata().is_ok())
            .cloned()
            .collect();
        if !existing.is_empty() {
            return Err(CliError::Exists(existing));
        }
    }
    write_new(&written.private, pair.private_pem.as_bytes(), 0o600)?;
    write_new(&written.public, pair.public_pem.as_bytes(), 0o644)?;
    Ok(written)
}

/// Creates `path` (never through an existing file or link) with `mode` on unix.
fn write_new(path: &Path, contents: &[u8], mode: u32) -> Result<(), CliError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let what = || format!("cannot write {}", path.display());
    let mut file = options.open(path).map_err(CliError::io(what()))?;
    file.write_all(contents).map_err(CliError::io(what()))?;
    file.sync_all().map_err(CliError::io(what()))
}

fn parse_rsa_bits(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(bits @ (2048 | 3072 | 4096)) => Ok(bits),
        _ => Err("use 2048, 3072 or 4096".into()),
    }
}

fn key_err(e: impl std::fmt::Display) -> CliError {
    CliError::Key(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_url_safe_and_sized() {
        let s = hmac_secret(32).unwrap();
        assert_eq!(s.len(), 43);
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(*s, *hmac_secret(32).unwrap());
        assert_eq!(hmac_secret(64).unwrap().len(), 86);
    }

    #[test]
    fn pems_have_standard_labels() {
        for pair in [p256_pair().unwrap(), ed25519_pair().unwrap()] {
            assert!(
                pair.private_pem
                    .starts_with("-----BEGIN PRIVATE KEY-----\n")
            );
            assert!(pair.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        }
    }

    #[test]
    fn rsa_bits_are_checked() {
        assert_eq!(parse_rsa_bits("3072"), Ok(3072));
        assert!(parse_rsa_bits("1024").is_err());
        assert!(parse_rsa_bits("lots").is_err());
    }
}
