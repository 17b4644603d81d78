//! Tokens outside the request pipeline, and the store checks the pipeline shares: locate,
//! verify, and whether a verified token is still live (revocation, family, retirement,
//! allowlist); revoking.

use http::request::Parts;

use super::Auth;
use super::session::{family_key, family_of};
use super::verification::Verification;
use crate::config::TokenLocation;
use crate::error::AuthError;
use crate::request::locate;
use crate::token::{Claims, TokenType};

impl Auth {
    /// Finds the token of `token_type` in a request, in the configured locations and order,
    /// without verifying it. For middleware of your own; extractors and guards do this for you.
    pub fn locate<'a>(
        &self,
        parts: &'a Parts,
        token_type: TokenType,
    ) -> Result<Option<(std::borrow::Cow<'a, str>, TokenLocation)>, AuthError> {
        let config = self.config();
        Ok(
            locate::locate(parts, config, token_type, &config.token_locations)?
                .map(|l| (l.token, l.location)),
        )
    }

    /// Verifies signature and claims (not revocation: see [`verify_unrevoked`](Self::verify_unrevoked)).
    /// This service's own tokens only: identity-provider tokens (feature `jwks`) may need a key
    /// fetch, so they verify through the async [`verify_unrevoked`](Self::verify_unrevoked).
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        Ok(std::sync::Arc::unwrap_or_clone(
            self.codec().verify(token, self.now())?,
        ))
    }

    /// Verifies signature and claims (with the identity provider the token's `iss` names, when
    /// one is configured), then checks that the token is live: not revoked, nor its family, not
    /// a refresh token that rotation retired (a retired one revokes its family and fails with
    /// [`AuthError::RefreshTokenReused`]), and allowlisted in allowlist mode. A DPoP-bound
    /// token is refused: without the request there is no proof of its key (guarded routes
    /// check it).
    pub async fn verify_unrevoked(&self, token: &str) -> Result<Claims, AuthError> {
        self.run_detached(Verification::given(token)).await
    }

    /// Fails when the token or its family (its session, else the family it founds: its own
    /// id) is revoked, or its session was ended with its subject's others (one store round
    /// trip), or when it is a refresh token that rotation already exchanged: presenting a
    /// retired refresh token anywhere is reuse, which revokes its whole family.
    pub(crate) async fn ensure_claims_not_revoked(&self, claims: &Claims) -> Result<(), AuthError> {
        match self.liveness(claims).await? {
            Liveness::Live => Ok(()),
            Liveness::Retired => Err(self.refuse_reuse(claims).await),
        }
    }

    /// [`ensure_claims_not_revoked`](Self::ensure_claims_not_revoked) as a read, for
    /// introspection: a retired refresh token is only not live
    /// ([`AuthError::RefreshTokenReused`]) and its family is left alone. Someone asking about a
    /// token is not its holder presenting it, so the question must not log anyone out.
    pub(crate) async fn ensure_not_retired(&self, claims: &Claims) -> Result<(), AuthError> {
        if self.liveness(claims).await? == Liveness::Retired {
            return Err(AuthError::RefreshTokenReused);
        }
        Ok(())
    }

    /// What the revocation store says of a verified token: revoked (the token, its family, or
    /// its session ended with its subject's others) is [`AuthError::Revoked`]; a refresh token
    /// that is not its family's live one is [`Liveness::Retired`]. Reads only.
    async fn liveness(&self, claims: &Claims) -> Result<Liveness, AuthError> {
        let query = RevocationQuery::of(claims);
        let keys = query.keys();
        let check = self
            .revocation_store()
            .any_revoked_or_ended(&keys, query.session.as_ref());
        let revoked = self.store_call(check).await;
        if self.fail_open(revoked, "revocation")? == Some(true) {
            return Err(AuthError::Revoked);
        }
        if claims.token_type == TokenType::Refresh {
            let head = self
                .store_call(self.inner.stores.families.head(family_of(claims)))
                .await;
            if let Some(Some(head)) = self.fail_open(head, "revocation")?
                && head != claims.jti
            {
                return Ok(Liveness::Retired);
            }
        }
        Ok(Liveness::Live)
    }

    /// Revokes the token these claims came from, until it would have stopped verifying
    /// (`exp` + leeway). Its refresh token stays valid: to log out, use
    /// [`logout`](Self::logout).
    pub(crate) async fn revoke<E>(&self, claims: &Claims<E>) -> Result<(), AuthError> {
        self.revoke_jti(&claims.jti, claims.exp).await
    }

    /// Revokes `jti` of a token expiring at `expires_at` (seconds since the epoch). The entry
    /// is kept until `expires_at` + leeway, as long as the token could still verify.
    pub(crate) async fn revoke_jti(&self, jti: &str, expires_at: i64) -> Result<(), AuthError> {
        self.revoke_key(jti, expires_at).await
    }

    /// Records a revocation key until `expires_at` + leeway.
    pub(crate) async fn revoke_key(&self, key: &str, expires_at: i64) -> Result<(), AuthError> {
        let until = expires_at.saturating_add(self.leeway_secs());
        self.store_call(self.revocation_store().revoke(key, until))
            .await
    }

    /// Fails with [`AuthError::Revoked`] when `jti` is revoked. A store failure answers per
    /// [`store_fail_open`](crate::AuthConfig::store_fail_open).
    pub(crate) async fn ensure_not_revoked(&self, jti: &str) -> Result<(), AuthError> {
        let revoked = self
            .store_call(self.revocation_store().is_revoked(jti))
            .await;
        match self.fail_open(revoked, "revocation")? {
            Some(true) => Err(AuthError::Revoked),
            _ => Ok(()),
        }
    }

    /// Verifies a located token: with the identity provider its (unverified) `iss` names when
    /// one is configured (feature `jwks`), otherwise with this service's own keys.
    pub(crate) async fn verify_token(
        &self,
        token: &str,
    ) -> Result<std::sync::Arc<Claims>, AuthError> {
        #[cfg(feature = "jwks")]
        if let Some(issuer) = self.inner.issuers.route(token) {
            return issuer.verify(token, self.now()).await;
        }
        Ok(self.codec().verify(token, self.now())?)
    }

    /// The identity providers whose tokens are accepted (feature `jwks`), in no particular
    /// order.
    #[cfg(feature = "jwks")]
    pub(crate) fn issuers(&self) -> impl Iterator<Item = &crate::jwks::JwksIssuer> {
        self.inner.issuers.iter()
    }
}

/// A verified token as the revocation store sees it, when not revoked.
#[derive(Debug, PartialEq, Eq)]
enum Liveness {
    Live,
    /// A refresh token rotation already exchanged.
    Retired,
}

/// What the revocation store is asked of a token, wherever it is asked (here, or folded into
/// the rate limit's round trip): the token's own id, its family's key (its `sid`, else its own
/// id, which implicit refresh and rotation give to the tokens they re-issue from it), and its
/// session as a subject's end sees it.
pub(crate) struct RevocationQuery<'c> {
    jti: &'c str,
    family: FamilyKey,
    pub(crate) session: Option<crate::store::SessionMark<'c>>,
}

/// `sid:<family>`, on the stack when it fits (a UUID family does): asked on every request.
enum FamilyKey {
    Inline([u8; 64], usize),
    Heap(String),
}

impl FamilyKey {
    fn of(family: &str) -> Self {
        const PREFIX: &[u8] = b"sid:";
        let len = PREFIX.len() + family.len();
        if len > 64 {
            return FamilyKey::Heap(family_key(family));
        }
        let mut buf = [0u8; 64];
        buf[..PREFIX.len()].copy_from_slice(PREFIX);
        buf[PREFIX.len()..len].copy_from_slice(family.as_bytes());
        FamilyKey::Inline(buf, len)
    }

    fn as_str(&self) -> &str {
        match self {
            // A prefix and a `&str`, copied whole: UTF-8, unless the copy was cut, which the
            // length check above rules out; `unwrap_or` keeps a bug from panicking.
            FamilyKey::Inline(buf, len) => std::str::from_utf8(&buf[..*len]).unwrap_or(""),
            FamilyKey::Heap(key) => key,
        }
    }
}

impl<'c> RevocationQuery<'c> {
    pub(crate) fn of(claims: &'c Claims) -> Self {
        RevocationQuery {
            jti: &claims.jti,
            family: FamilyKey::of(family_of(claims)),
            session: super::subject_sessions::session_mark(claims),
        }
    }

    /// The revocation keys: the token's and its family's.
    pub(crate) fn keys(&self) -> [&str; 2] {
        [self.jti, self.family.as_str()]
    }
}

#[cfg(test)]
mod tests {
    use super::FamilyKey;

    #[test]
    fn a_family_key_is_sid_and_the_family_inline_or_not() {
        let uuid = "0d9e1c7a-6a8f-4f45-9b1e-2f7d1c3b5a90";
        assert!(matches!(FamilyKey::of(uuid), FamilyKey::Inline(..)));
        assert_eq!(FamilyKey::of(uuid).as_str(), format!("sid:{uuid}"));
        let long = "é".repeat(40);
        assert!(matches!(FamilyKey::of(&long), FamilyKey::Heap(_)));
        assert_eq!(FamilyKey::of(&long).as_str(), format!("sid:{long}"));
        assert_eq!(FamilyKey::of("").as_str(), "sid:");
    }
}
