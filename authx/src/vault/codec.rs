//! Vault tokens and the envelope they carry. No HTTP, no store: a function of bytes, key and
//! time.
//!
//! The cipher ([`VaultCipher`]) authenticates and decrypts; the time checks (TTL and clock
//! skew) are done here against an explicit `now`, after the cipher said the token is
//! authentic, with saturating arithmetic: a forged timestamp near `u64::MAX` cannot overflow.

use serde::{Deserialize, Serialize};

use super::cipher::VaultCipher;

/// How far in the future a token's timestamp may be (the spec's and Python's 60 s).
const MAX_CLOCK_SKEW: u64 = 60;

/// Why a token did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// Too large, not Fernet, wrong key, tampered with, or timestamped too far ahead.
    Invalid,
    /// Authentic, but older than the TTL.
    Expired,
}

/// The vault's checks around a cipher: size before anything, then authenticity (the cipher),
/// then the authenticated issue time against the TTL and the clock skew.
pub(crate) trait OpenAt {
    /// The plaintext of `token` if it is authentic, at most `max_size` bytes long, issued no
    /// more than `ttl` seconds before `now` and no more than a minute after it.
    fn open_at(
        &self,
        token: &str,
        ttl: u64,
        now: u64,
        max_size: usize,
    ) -> Result<Vec<u8>, OpenError>;
}

impl<C: VaultCipher + ?Sized> OpenAt for C {
    fn open_at(
        &self,
        token: &str,
        ttl: u64,
        now: u64,
        max_size: usize,
    ) -> Result<Vec<u8>, OpenError> {
        if token.len() > max_size {
            return Err(OpenError::Invalid);
        }
        let (plaintext, issued) = self.open(token).ok_or(OpenError::Invalid)?;
        if issued > now.saturating_add(MAX_CLOCK_SKEW) {
            return Err(OpenError::Invalid);
        }
        if issued.saturating_add(ttl) < now {
            return Err(OpenError::Expired);
        }
        Ok(plaintext)
    }
}

/// What a vault token seals: `{"data": <payload>, "jti": <uuid>, "exp": <unix seconds>}`.
#[derive(Debug, Serialize)]
pub(crate) struct SealEnvelope<'a, T: ?Sized> {
    pub data: &'a T,
    pub jti: String,
    pub exp: i64,
}

/// An opened envelope; `data` is typed by the caller afterwards.
#[derive(Debug, Deserialize)]
pub(crate) struct OpenEnvelope {
    pub data: serde_json::Value,
    pub jti: String,
    pub exp: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::cipher::{FernetCipher, timestamp};
    use proptest::prelude::*;
    use serde_json::Value;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/fernet");
    const MAX: usize = 16 * 1024;

    fn fixture(name: &str) -> Value {
        let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// The vectors' RFC 3339 times (`1985-10-26T01:20:01-07:00`, optional fraction) to Unix
    /// seconds.
    fn unix(t: &str) -> u64 {
        let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().unwrap();
        let (y, m, d) = (n(0..4), n(5..7), n(8..10));
        let secs = n(11..13) * 3600 + n(14..16) * 60 + n(17..19);
        let zone = &t[t.len() - 6..];
        let offset = (zone[1..3].parse::<i64>().unwrap() * 60 + zone[4..].parse::<i64>().unwrap())
            * 60
            * if zone.starts_with('-') { -1 } else { 1 };
        // Days from civil (Howard Hinnant's algorithm).
        let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        u64::try_from(days * 86_400 + secs - offset).unwrap()
    }

    fn key() -> String {
        fernet::Fernet::generate_key()
    }

    #[test]
    fn spec_generate_vectors() {
        // The crate draws its own IV, so a vector cannot be re-encrypted byte for byte: check
        // that the expected token is laid out from the vector's parts (version, timestamp, IV)
        // and opens to its source at its time, and that our tokens share its layout.
        let vectors = fixture("generate.json");
        let vectors = vectors.as_array().unwrap();
        assert!(!vectors.is_empty());
        for v in vectors {
            let codec = FernetCipher::new(v["secret"].as_str().unwrap()).unwrap();
            let token = v["token"].as_str().unwrap();
            let now = unix(v["now"].as_str().unwrap());
            let src = v["src"].as_str().unwrap().as_bytes();
            assert_eq!(timestamp(token), Some(now));
            let iv: Vec<u8> = v["iv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
                .collect();
            let raw = decode(token);
            assert_eq!(raw[0], 0x80);
            assert_eq!(&raw[9..25], &iv[..]);
            assert_eq!(codec.open_at(token, 60, now, MAX).unwrap(), src);

            let ours = codec.seal(src, now_secs());
            assert_eq!(decode(&ours).len(), raw.len(), "same layout and padding");
            assert_eq!(codec.open_at(&ours, 60, now_secs(), MAX).unwrap(), src);
        }
    }

    #[test]
    fn spec_verify_vectors() {
        let vectors = fixture("verify.json");
        let vectors = vectors.as_array().unwrap();
        assert!(!vectors.is_empty());
        for v in vectors {
            let codec = FernetCipher::new(v["secret"].as_str().unwrap()).unwrap();
            let opened = codec.open_at(
                v["token"].as_str().unwrap(),
                v["ttl_sec"].as_u64().unwrap(),
                unix(v["now"].as_str().unwrap()),
                MAX,
            );
            assert_eq!(opened.unwrap(), v["src"].as_str().unwrap().as_bytes());
        }
    }

    #[test]
    fn spec_invalid_vectors() {
        let vectors = fixture("invalid.json");
        let vectors = vectors.as_array().unwrap();
        assert!(
            vectors.len() >= 8,
            "the spec has at least 8 invalid vectors"
        );
        for v in vectors {
            let desc = v["desc"].as_str().unwrap();
            let codec = FernetCipher::new(v["secret"].as_str().unwrap()).unwrap();
            let opened = codec.open_at(
                v["token"].as_str().unwrap(),
                v["ttl_sec"].as_u64().unwrap(),
                unix(v["now"].as_str().unwrap()),
                MAX,
            );
            let expected = if desc == "expired TTL" {
                OpenError::Expired
            } else {
                OpenError::Invalid
            };
            assert_eq!(opened, Err(expected), "{desc}");
        }
    }

    #[test]
    fn python_raw_token_decrypts() {
        let f = fixture("python_token.json");
        let codec = FernetCipher::new(f["key"].as_str().unwrap()).unwrap();
        let raw = &f["raw"];
        let expected = hex(raw["plaintext_hex"].as_str().unwrap());
        let token = raw["token"].as_str().unwrap();
        // Made once by Python: its timestamp is the day it was made, so no TTL here.
        let opened = codec.open_at(token, u64::MAX, now_secs(), MAX).unwrap();
        assert_eq!(opened, expected);
        assert_eq!(timestamp(token), raw["issued_at"].as_u64());
        let other = FernetCipher::new(&key()).unwrap();
        assert_eq!(
            other.open_at(token, u64::MAX, now_secs(), MAX),
            Err(OpenError::Invalid)
        );
    }

    #[test]
    fn ttl_skew_and_size_are_checked() {
        let codec = FernetCipher::new(&key()).unwrap();
        let now = now_secs();
        let token = codec.seal(b"x", now_secs());
        assert_eq!(codec.open_at(&token, 10, now, MAX).unwrap(), b"x");
        assert_eq!(
            codec.open_at(&token, 10, now + 11, MAX),
            Err(OpenError::Expired)
        );
        assert_eq!(
            codec.open_at(&token, 10, now - 61, MAX),
            Err(OpenError::Invalid)
        );
        assert_eq!(
            codec.open_at(&token, 10, now, token.len() - 1),
            Err(OpenError::Invalid)
        );
        // A forged timestamp at u64::MAX neither overflows nor opens.
        let mut raw = decode(&token);
        raw[1..9].copy_from_slice(&u64::MAX.to_be_bytes());
        let forged = encode(&raw);
        assert_eq!(timestamp(&forged), Some(u64::MAX));
        assert_eq!(
            codec.open_at(&forged, u64::MAX, u64::MAX, MAX),
            Err(OpenError::Invalid)
        );
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let codec = FernetCipher::new(&key()).unwrap();
        let raw = decode(&codec.seal(b"{\"data\":1}", now_secs()));
        for i in 0..raw.len() {
            for bit in 0..8 {
                let mut t = raw.clone();
                t[i] ^= 1 << bit;
                assert_eq!(
                    codec.open_at(&encode(&t), 3600, now_secs(), MAX),
                    Err(OpenError::Invalid),
                    "byte {i} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn timestamp_reads_only_well_formed_heads() {
        assert_eq!(timestamp(""), None);
        assert_eq!(timestamp("gAAAAAAdwJ6"), None);
        assert_eq!(timestamp("gAAAAAAdwJ6*"), None);
        assert_eq!(timestamp("AAAAAAAdwJ6w"), None, "version 0x00");
        assert_eq!(timestamp("gAAAAAAdwJ6wAAEC"), Some(499_162_800));
        assert_eq!(timestamp("é€AAAAAAAAAAAA"), None);
    }

    proptest! {
        #[test]
        fn garbage_never_panics(s in "\\PC{0,300}", b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let codec = FernetCipher::new("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=").unwrap();
            prop_assert!(codec.open_at(&s, 60, now_secs(), MAX).is_err());
            let mut raw = vec![0x80];
            raw.extend(b);
            prop_assert!(codec.open_at(&encode(&raw), u64::MAX, u64::MAX, MAX).is_err());
            let _ = timestamp(&s);
        }
    }

    fn now_secs() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// Url-safe base64 with padding, as Fernet writes it (test-only, for forging tokens).
    fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn decode(s: &str) -> Vec<u8> {
        let vals: Vec<u32> = s
            .bytes()
            .filter(|&c| c != b'=')
            .map(|c| ALPHABET.iter().position(|&a| a == c).unwrap() as u32)
            .collect();
        let mut out = Vec::new();
        for chunk in vals.chunks(4) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &v)| n | (v << (18 - 6 * i)));
            for i in 0..chunk.len().saturating_sub(1) {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        out
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn base64_helpers_match_the_crate() {
        let codec = FernetCipher::new(&key()).unwrap();
        let token = codec.seal(b"abc", now_secs());
        assert_eq!(encode(&decode(&token)), token);
    }
}
