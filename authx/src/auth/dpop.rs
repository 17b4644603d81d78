//! DPoP proofs on requests: verified against the request, the token and the replay record.

use http::request::Parts;
use sha2::{Digest, Sha256};

use super::Auth;
use crate::dpop::{DpopProof, verify_proof};
use crate::error::AuthError;

impl Auth {
    /// The request's DPoP proof (RFC 9449), verified, for a login or token route that binds
    /// the tokens it issues to the client's key: `None` without a `DPoP` header; an error for
    /// a proof that is invalid, stale, for another method or URL, or replayed. Bind with
    /// `.dpop_jkt(&proof.jkt)` on the token builders.
    ///
    /// ```
    /// # async fn login(auth: authx::Auth, parts: http::request::Parts) -> Result<authx::TokenPair, authx::AuthError> {
    /// let mut pair = auth.tokens().pair("user-1").fresh(true);
    /// if let Some(proof) = auth.dpop_proof(&parts).await? {
    ///     pair = pair.dpop_jkt(&proof.jkt);
    /// }
    /// Ok(pair.issue()?)
    /// # }
    /// ```
    pub async fn dpop_proof(&self, parts: &Parts) -> Result<Option<DpopProof>, AuthError> {
        if !parts.headers.contains_key("dpop") {
            return Ok(None);
        }
        let proof = verify_proof(parts, self.config(), None, self.now(), &self.inner.nonces)?;
        self.remember_proof(&proof).await?;
        Ok(Some(proof))
    }

    /// The proof of a token sent with the `DPoP` scheme (`token`), verified against the
    /// request: signature, method, URL, age, nonce and the token's hash (`ath`).
    pub(crate) fn request_proof(&self, parts: &Parts, token: &str) -> Result<DpopProof, AuthError> {
        verify_proof(
            parts,
            self.config(),
            Some(token),
            self.now(),
            &self.inner.nonces,
        )
    }

    /// Records a verified proof's `jti` once for this request: two checks of one request (a
    /// layer, then a guard) see one proof once.
    pub(crate) async fn record_proof(
        &self,
        parts: &mut Parts,
        proof: &DpopProof,
    ) -> Result<(), AuthError> {
        let seen = parts.extensions.get::<RecordedProof>();
        if seen.is_none_or(|s| s.0 != proof.jti || s.1 != proof.jkt) {
            self.remember_proof(proof).await?;
            parts
                .extensions
                .insert(RecordedProof(proof.jti.clone(), proof.jkt.clone()));
        }
        Ok(())
    }

    /// Records the proof's `jti` (per key) in the [`ReplayStore`](crate::store::ReplayStore),
    /// apart from revocations, for as long as the proof could be accepted: a second use of it,
    /// on any instance sharing the store, is a replay.
    async fn remember_proof(&self, proof: &DpopProof) -> Result<(), AuthError> {
        let digest = Sha256::new()
            .chain_update(proof.jkt.as_bytes())
            .chain_update([0])
            .chain_update(proof.jti.as_bytes())
            .finalize();
        let key = format!("dpop:{}", hex(&digest));
        let max_age = i64::try_from(self.config().oauth.dpop_max_age.as_secs()).unwrap_or(i64::MAX);
        let until = proof.iat.saturating_add(max_age).saturating_add(60);
        let first = self
            .store_call(self.inner.stores.replay.record_once(&key, until))
            .await?;
        if first {
            Ok(())
        } else {
            Err(AuthError::InvalidDpopProof {
                reason: "the DPoP proof was already used (replayed jti)",
            })
        }
    }
}

/// The proof this request's checks already recorded (its `jti` and key).
#[derive(Clone)]
struct RecordedProof(String, String);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
