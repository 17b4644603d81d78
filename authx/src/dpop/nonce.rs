//! Server nonces for DPoP proofs (RFC 9449 section 8): stateless, a time window and a keyed
//! hash of it, valid for the current and the previous window.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// How long one nonce window lasts, in seconds (a nonce lives one to two windows).
const WINDOW: i64 = 60;

/// The per-engine key nonces are made with.
pub(crate) struct NonceKey([u8; 32]);

impl NonceKey {
    /// A random key (nonces are per instance: clients retry with the nonce they are given).
    pub(crate) fn random() -> NonceKey {
        let mut key = [0u8; 32];
        // Without randomness the nonces are predictable but still bound to time; the
        // signature, `ath` and `jti` checks do not depend on them.
        if let Err(e) = getrandom::fill(&mut key) {
            tracing::error!(target: "authx", error = %e, "authx: no randomness for DPoP nonces; they are predictable");
        }
        NonceKey(key)
    }

    fn tag(&self, window: i64) -> [u8; 16] {
        let digest = Sha256::new()
            .chain_update(self.0)
            .chain_update(window.to_be_bytes())
            .finalize();
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&digest[..16]);
        tag
    }

    /// The nonce to hand out at `now`.
    pub(crate) fn issue(&self, now: i64) -> String {
        let window = now.div_euclid(WINDOW);
        let mut raw = Vec::with_capacity(24);
        raw.extend_from_slice(&window.to_be_bytes());
        raw.extend_from_slice(&self.tag(window));
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Whether `nonce` was issued by this key in the current or the previous window.
    pub(crate) fn accepts(&self, nonce: &str, now: i64) -> bool {
        let Ok(raw) = URL_SAFE_NO_PAD.decode(nonce) else {
            return false;
        };
        let Ok(window_bytes) = <[u8; 8]>::try_from(raw.get(..8).unwrap_or_default()) else {
            return false;
        };
        let window = i64::from_be_bytes(window_bytes);
        let current = now.div_euclid(WINDOW);
        (window == current || window == current - 1)
            && crate::crypto::constant_time_eq(&raw[8..], &self.tag(window))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_live_one_to_two_windows_and_cannot_be_forged() {
        let key = NonceKey::random();
        let nonce = key.issue(1_000);
        assert!(key.accepts(&nonce, 1_000));
        assert!(key.accepts(&nonce, 1_000 + WINDOW));
        assert!(!key.accepts(&nonce, 1_000 + 2 * WINDOW));
        assert!(!NonceKey::random().accepts(&nonce, 1_000));
        assert!(!key.accepts("garbage", 1_000));
        assert!(!key.accepts("", 1_000));
    }
}
