//! Recovery codes: single-use, kept as keyed digests, regenerable.

use super::Mfa;
use crate::error::AuthError;

/// The record kind in the [`FactorStore`](crate::store::FactorStore): one record per code,
/// its id the code's keyed digest, its value empty.
pub(super) const KIND: &str = "recovery";

/// Lower-case letters and digits without the look-alikes (0/o, 1/l/i).
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Ten symbols of 31: about 49.5 bits, shown as `xxxxx-xxxxx`.
const LENGTH: usize = 10;

impl Mfa {
    /// Replaces `subject`'s recovery codes with new ones, returned once (only their digests
    /// are kept). Each code stands for a TOTP code, once. The new codes are written before the
    /// old ones go, so a store failure half-way leaves the old codes working.
    pub async fn new_recovery_codes(&self, subject: &str) -> Result<Vec<String>, AuthError> {
        let codes = (0..self.config().recovery_codes)
            .map(|_| code())
            .collect::<Result<Vec<_>, _>>()?;
        let store = self.auth().factor_store();
        let old = self
            .auth()
            .store_call(store.list_factors(subject, KIND))
            .await?;
        let mut new_ids = Vec::with_capacity(codes.len());
        for code in &codes {
            let id = self.code_digest(subject, code);
            self.auth()
                .store_call(store.put_factor(subject, KIND, &id, &[]))
                .await?;
            new_ids.push(id);
        }
        for (id, _) in old.iter().filter(|(id, _)| !new_ids.contains(id)) {
            self.auth()
                .store_call(store.remove_factor(subject, KIND, id))
                .await?;
        }
        Ok(codes)
    }

    /// Takes one of `subject`'s recovery codes (case, spaces and dashes ignored): it is gone
    /// once this returns `Ok`, on every instance. Failures count against the same budget as
    /// TOTP codes; `403 FactorRejectedError` for a wrong or used code.
    pub async fn use_recovery_code(
        &self,
        subject: &str,
        code: &str,
        ip: Option<&str>,
    ) -> Result<(), AuthError> {
        self.spend_attempt(subject, ip).await?;
        let normalized: String = code
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        if normalized.len() != LENGTH || !normalized.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(self.rejected());
        }
        let id = self.code_digest(subject, &normalized);
        let store = self.auth().factor_store();
        // The store's atomic remove: of two requests racing with one code, one wins.
        if self
            .auth()
            .store_call(store.remove_factor(subject, KIND, &id))
            .await?
        {
            Ok(())
        } else {
            Err(self.rejected())
        }
    }

    /// How many recovery codes `subject` has left.
    pub async fn recovery_codes_left(&self, subject: &str) -> Result<usize, AuthError> {
        let store = self.auth().factor_store();
        let codes = self
            .auth()
            .store_call(store.list_factors(subject, KIND))
            .await?;
        Ok(codes.len())
    }

    /// The digest a code is kept as: keyed, and bound to its user.
    fn code_digest(&self, subject: &str, code: &str) -> String {
        let plain: String = code.chars().filter(|c| *c != '-').collect();
        self.digest(&[b"recovery", subject.as_bytes(), plain.as_bytes()])
    }
}

/// A new code, `xxxxx-xxxxx`, each symbol uniform over [`ALPHABET`] (rejection sampling).
fn code() -> Result<String, AuthError> {
    let mut out = String::with_capacity(LENGTH + 1);
    while out.len() < LENGTH + 1 {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|e| AuthError::Internal(format!("no randomness: {e}").into()))?;
        for b in bytes {
            // 248 = 8 * 31: bytes above it would favour the first symbols.
            if b < 248 && out.len() < LENGTH + 1 {
                if out.len() == LENGTH / 2 {
                    out.push('-');
                }
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}
