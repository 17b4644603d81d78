//! The key format: `<prefix>_<43 base62: 32 random bytes><6 base62: CRC32>`, and its keyed
//! digest. Pure: bytes in, bytes out.

use hmac::{Hmac, Mac};

/// The base62 alphabet (digits, upper case, lower case): what scanners and URLs leave alone.
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Base62 digits of 32 random bytes.
const BODY: usize = 43;
/// Base62 digits of a CRC32.
const CHECK: usize = 6;
/// The longest key anyone could mean: a 32-byte prefix and the rest. Longer input is refused
/// before any work.
pub(crate) const MAX_LEN: usize = 32 + 1 + BODY + CHECK;

const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// `bytes` as exactly `width` base62 digits, most significant first (a fixed width, so the
/// parts of a key never shift).
fn base62(bytes: &[u8], width: usize) -> String {
    let mut number = bytes.to_vec();
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        let mut rest = 0u32;
        for byte in number.iter_mut() {
            let value = (rest << 8) | u32::from(*byte);
            *byte = (value / 62) as u8;
            rest = value % 62;
        }
        *slot = ALPHABET[rest as usize];
    }
    // Only ASCII digits and letters were written.
    String::from_utf8(digits).unwrap_or_default()
}

/// The checksum part of a key whose text before it is `head` (`<prefix>_<body>`).
fn checksum(head: &str) -> String {
    base62(&CRC32.checksum(head.as_bytes()).to_be_bytes(), CHECK)
}

/// A new key with `prefix`, from 32 bytes of the system's CSPRNG.
pub(crate) fn generate(prefix: &str) -> Result<String, getrandom::Error> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)?;
    let head = format!("{prefix}_{}", base62(&secret, BODY));
    let check = checksum(&head);
    Ok(head + &check)
}

/// A new public key id, `ak_` and 22 base62 digits (16 random bytes).
pub(crate) fn new_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(format!("ak_{}", base62(&bytes, 22)))
}

/// Whether `key` is a well-formed key with `prefix`: the prefix, base62 digits of the right
/// length, and a checksum that matches. A typo fails here, before any store is asked.
pub(crate) fn is_well_formed(prefix: &str, key: &str) -> bool {
    if key.len() != prefix.len() + 1 + BODY + CHECK {
        return false;
    }
    let Some(rest) = key
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
    else {
        return false;
    };
    if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, check) = key.split_at(key.len() - CHECK);
    checksum(head) == check
}

/// The keyed digest a store keeps of `key`: HMAC-SHA-256 under the server's pepper, in hex.
/// Without the pepper, a stolen table of digests cannot be checked against guesses.
pub(crate) fn digest(pepper: &[u8], key: &str) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(pepper)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(key.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(64);
    for b in bytes {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    hex
}

/// Whether a stored digest is the one computed from a presented key, compared in constant time.
pub(crate) fn same_digest(stored: &str, computed: &str) -> bool {
    crate::crypto::constant_time_eq(stored.as_bytes(), computed.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_well_formed_and_a_typo_is_not() {
        let key = generate("authx_live").unwrap();
        assert_eq!(key.len(), "authx_live_".len() + 49);
        assert!(key.starts_with("authx_live_"));
        assert!(is_well_formed("authx_live", &key));
        assert!(!is_well_formed("authx", &key), "another prefix");
        // One character changed anywhere after the prefix breaks the checksum.
        for i in "authx_live_".len()..key.len() {
            let mut typo = key.clone().into_bytes();
            typo[i] = if typo[i] == b'a' { b'b' } else { b'a' };
            let typo = String::from_utf8(typo).unwrap();
            assert!(!is_well_formed("authx_live", &typo), "{typo}");
        }
        assert!(!is_well_formed("authx_live", &key[..key.len() - 1]));
        assert!(!is_well_formed("authx_live", &format!("{key}0")));
        assert!(!is_well_formed("authx_live", &key.replace('_', "-")));
        assert_ne!(generate("authx").unwrap(), generate("authx").unwrap());
    }

    #[test]
    fn base62_is_fixed_width_and_exact() {
        assert_eq!(base62(&[0; 4], 6), "000000");
        assert_eq!(base62(&[0, 0, 0, 61], 6), "00000z");
        assert_eq!(base62(&[0, 0, 0, 62], 6), "000010");
        assert_eq!(base62(&u32::MAX.to_be_bytes(), 6), "4gfFC3");
        assert_eq!(base62(&[0xff; 32], BODY).len(), BODY);
        assert!(new_id().unwrap().starts_with("ak_"));
        assert_eq!(new_id().unwrap().len(), 25);
    }

    #[test]
    fn the_digest_is_keyed_by_the_pepper() {
        let d = digest(b"pepper", "authx_abc");
        assert_eq!(d.len(), 64);
        assert_eq!(d, digest(b"pepper", "authx_abc"));
        assert_ne!(d, digest(b"other", "authx_abc"));
        assert_ne!(d, digest(b"pepper", "authx_abd"));
    }
}
