//! [`VaultCipher`]: what seals and opens vault tokens. [`FernetCipher`] is the default (and
//! what Python's `cryptography.fernet` reads); [`XChaCha20Poly1305Cipher`] (cargo feature
//! `vault-xchacha`) is a modern AEAD with a random 192-bit nonce.
//!
//! A cipher authenticates and encrypts, and stamps each token with its issue time, which it
//! authenticates too: the vault checks the TTL and the clock skew against that time, after
//! the cipher said the token is authentic. Keys are 32 random bytes in url-safe base64 for
//! both ciphers ([`Vault::generate_key`](super::Vault::generate_key)).

use serde::Deserialize;

/// Seals and opens vault tokens. Implement it to bring a cipher of your own
/// ([`Vault::with_cipher`](super::Vault::with_cipher)).
pub trait VaultCipher: Send + Sync + 'static {
    /// A short name, for logs and `Debug`.
    fn name(&self) -> &'static str;
    /// Encrypts and authenticates `plaintext` into a url-safe token stamped with `now`
    /// (seconds since the epoch), with fresh randomness each call.
    fn seal(&self, plaintext: &[u8], now: u64) -> String;
    /// The plaintext of an authentic token and its authenticated issue time; `None` for
    /// anything else (malformed, wrong key, tampered with). Must not panic on any input.
    fn open(&self, token: &str) -> Option<(Vec<u8>, u64)>;
}

/// Which built-in cipher a [`Vault`](super::Vault) uses (`AUTHX_VAULT_CIPHER`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum VaultCipherKind {
    /// [`FernetCipher`] (default): AES-128-CBC + HMAC-SHA256, any Fernet implementation reads it.
    #[default]
    Fernet,
    /// [`XChaCha20Poly1305Cipher`]: needs the cargo feature `vault-xchacha`.
    #[serde(rename = "xchacha20poly1305")]
    XChaCha20Poly1305,
}

impl std::str::FromStr for VaultCipherKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fernet" => Ok(VaultCipherKind::Fernet),
            "xchacha20poly1305" | "xchacha20-poly1305" => Ok(VaultCipherKind::XChaCha20Poly1305),
            other => Err(format!(
                "unknown vault cipher `{other}`: use `fernet` or `xchacha20poly1305`"
            )),
        }
    }
}

/// [Fernet](https://github.com/fernet/spec): `0x80 | timestamp (u64 BE) | IV | AES-128-CBC
/// ciphertext | HMAC-SHA256`, url-safe base64. The `fernet` crate authenticates and decrypts.
#[derive(Clone)]
pub struct FernetCipher {
    fernet: fernet::Fernet,
}

impl FernetCipher {
    /// `None` when `key` is not 32 bytes of url-safe base64.
    pub fn new(key: &str) -> Option<Self> {
        fernet::Fernet::new(key.trim()).map(|fernet| FernetCipher { fernet })
    }
}

impl VaultCipher for FernetCipher {
    fn name(&self) -> &'static str {
        "fernet"
    }

    fn seal(&self, plaintext: &[u8], now: u64) -> String {
        self.fernet.encrypt_at_time(plaintext, now)
    }

    fn open(&self, token: &str) -> Option<(Vec<u8>, u64)> {
        // Authenticates (HMAC) and decrypts. With no TTL the crate's only time check is its
        // clock-skew one against the system clock, which cannot overflow.
        let plaintext = self.fernet.decrypt(token).ok()?;
        // The token is authentic from here: its timestamp can be trusted.
        Some((plaintext, timestamp(token)?))
    }
}

/// The timestamp of a Fernet token: bytes 1..9 of the decoded token, i.e. exactly its first 12
/// base64 characters (72 bits), so only they are decoded. `None` unless they are url-safe
/// base64 starting with version `0x80`.
pub(crate) fn timestamp(token: &str) -> Option<u64> {
    let head = token.as_bytes().get(..12)?;
    let mut bits: u128 = 0;
    for &c in head {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u128::from(v);
    }
    // 72 bits: the version byte, then the big-endian timestamp.
    if bits >> 64 != 0x80 {
        return None;
    }
    u64::try_from(bits & u128::from(u64::MAX)).ok()
}

#[cfg(feature = "vault-xchacha")]
pub use xchacha::XChaCha20Poly1305Cipher;

#[cfg(feature = "vault-xchacha")]
mod xchacha {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};

    use super::VaultCipher;

    /// The version byte of this format.
    const VERSION: u8 = 0xA1;
    /// Version, timestamp, nonce.
    const HEAD: usize = 1 + 8 + 24;
    /// The Poly1305 tag.
    const TAG: usize = 16;

    /// XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`): `0xA1 | timestamp (u64 BE) |
    /// 24-byte random nonce | ciphertext and tag`, url-safe base64 without padding. The version
    /// byte and the timestamp are authenticated as associated data. The key is 32 bytes in
    /// url-safe base64, like a Fernet key. Read by authx only (no other library shares this
    /// framing): choose Fernet when another language must read the tokens.
    #[derive(Clone)]
    pub struct XChaCha20Poly1305Cipher {
        aead: XChaCha20Poly1305,
    }

    impl XChaCha20Poly1305Cipher {
        /// `None` when `key` is not 32 bytes of url-safe base64.
        pub fn new(key: &str) -> Option<Self> {
            let key = key.trim();
            let bytes = URL_SAFE_NO_PAD
                .decode(key.trim_end_matches('='))
                .ok()
                .filter(|b| b.len() == 32)?;
            let aead = XChaCha20Poly1305::new_from_slice(&bytes).ok()?;
            Some(XChaCha20Poly1305Cipher { aead })
        }
    }

    impl VaultCipher for XChaCha20Poly1305Cipher {
        fn name(&self) -> &'static str {
            "xchacha20poly1305"
        }

        fn seal(&self, plaintext: &[u8], now: u64) -> String {
            let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
            let mut head = Vec::with_capacity(HEAD + plaintext.len() + TAG);
            head.push(VERSION);
            head.extend_from_slice(&now.to_be_bytes());
            let aad = head.clone();
            head.extend_from_slice(&nonce);
            let sealed = self
                .aead
                .encrypt(
                    &nonce,
                    Payload {
                        msg: plaintext,
                        aad: &aad,
                    },
                )
                // Only fails on plaintexts beyond the cipher's 256 GiB limit.
                .unwrap_or_default();
            head.extend_from_slice(&sealed);
            URL_SAFE_NO_PAD.encode(head)
        }

        fn open(&self, token: &str) -> Option<(Vec<u8>, u64)> {
            let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
            if raw.len() < HEAD + TAG || raw[0] != VERSION {
                return None;
            }
            let (aad, rest) = raw.split_at(9);
            let (nonce, sealed) = rest.split_at(24);
            let nonce = XNonce::from(<[u8; 24]>::try_from(nonce).ok()?);
            let plaintext = self
                .aead
                .decrypt(&nonce, Payload { msg: sealed, aad })
                .ok()?;
            let issued = u64::from_be_bytes(aad[1..9].try_into().ok()?);
            Some((plaintext, issued))
        }
    }
}
