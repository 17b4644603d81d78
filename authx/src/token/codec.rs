//! Signing and verifying: a pure function of bytes, keys and the current time. No HTTP here.

use jsonwebtoken::errors::ErrorKind;

use super::claims::{Claims, Extra, RawClaims, TokenType};
use super::keys::{KeySet, Verifier};
use crate::config::AuthConfig;
use crate::error::{AuthError, ConfigError, DecodeFailure, IssueError};

/// Issues and verifies tokens for one configuration.
pub(crate) struct TokenCodec {
    keys: KeySet,
    issuer: Option<String>,
    audience: Vec<String>,
    leeway: i64,
    max_token_size: usize,
}

impl TokenCodec {
    pub fn new(config: &AuthConfig) -> Result<Self, ConfigError> {
        Ok(TokenCodec {
            keys: KeySet::load(config)?,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway: i64::try_from(config.leeway.as_secs()).unwrap_or(i64::MAX),
            max_token_size: config.max_token_size,
        })
    }

    /// Signs `claims`, with the configured `kid` unless `kid` overrides it.
    pub fn encode<E: serde::Serialize>(
        &self,
        claims: &Claims<E>,
        kid: Option<&str>,
    ) -> Result<String, IssueError> {
        let signer = self.keys.signer.as_ref().ok_or_else(|| {
            IssueError::Signing("no private key configured: this service can only verify".into())
        })?;
        let result = match kid {
            Some(k) if signer.header.kid.as_deref() != Some(k) => {
                let mut header = signer.header.clone();
                header.kid = Some(k.to_owned());
                jsonwebtoken::encode(&header, claims, &signer.key)
            }
            _ => jsonwebtoken::encode(&signer.header, claims, &signer.key),
        };
        result.map_err(|e| IssueError::Signing(e.to_string()))
    }

    /// Verifies the signature (current key, then previous ones, or the one named by `kid`)
    /// and every claim, at time `now` (seconds since the epoch).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, AuthError> {
        self.verify_with(token, now, false)
    }

    /// [`verify`](Self::verify), but an expired token passes (signature and every other claim
    /// still checked). For implicit refresh only.
    pub fn verify_allowing_expired(&self, token: &str, now: i64) -> Result<Claims, AuthError> {
        self.verify_with(token, now, true)
    }

    fn verify_with(&self, token: &str, now: i64, allow_expired: bool) -> Result<Claims, AuthError> {
        if token.len() > self.max_token_size {
            return Err(AuthError::Decode(DecodeFailure::TooLarge));
        }
        if token.is_empty() {
            return Err(AuthError::Decode(DecodeFailure::Malformed));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| map_jwt_error(&e))?;
        let mut last = AuthError::Decode(DecodeFailure::Algorithm);
        let mut tried = false;
        for v in self.candidates(header.alg, header.kid.as_deref())? {
            tried = true;
            match jsonwebtoken::decode::<RawClaims>(token, &v.key, &v.validation) {
                Ok(data) => return self.check_claims(data.claims, now, allow_expired),
                Err(e) => {
                    last = map_jwt_error(&e);
                    if !matches!(last, AuthError::InvalidSignature) {
                        return Err(last);
                    }
                }
            }
        }
        if !tried {
            return Err(AuthError::Decode(DecodeFailure::Algorithm));
        }
        Err(last)
    }

    fn candidates<'a>(
        &'a self,
        alg: jsonwebtoken::Algorithm,
        kid: Option<&'a str>,
    ) -> Result<impl Iterator<Item = &'a Verifier> + 'a, AuthError> {
        let by_kid = self.keys.uses_kids && kid.is_some();
        if by_kid && !self.keys.verifiers.iter().any(|v| v.kid.as_deref() == kid) {
            return Err(AuthError::Decode(DecodeFailure::UnknownKey));
        }
        Ok(self
            .keys
            .verifiers
            .iter()
            .filter(move |v| v.algorithm == alg && (!by_kid || v.kid.as_deref() == kid)))
    }

    fn check_claims(
        &self,
        raw: RawClaims,
        now: i64,
        allow_expired: bool,
    ) -> Result<Claims, AuthError> {
        let missing = |name| AuthError::Decode(DecodeFailure::MissingClaim(name));
        let sub = raw
            .sub
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("sub"))?;
        let jti = raw
            .jti
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("jti"))?;
        let token_type = match raw.token_type.as_deref() {
            Some("access") => TokenType::Access,
            Some("refresh") => TokenType::Refresh,
            Some(_) => return Err(AuthError::Decode(DecodeFailure::UnknownType)),
            None => return Err(missing("type")),
        };
        let exp = raw.exp.ok_or_else(|| missing("exp"))?;
        if !allow_expired && now >= exp.saturating_add(self.leeway) {
            return Err(AuthError::Expired);
        }
        if raw
            .nbf
            .is_some_and(|nbf| nbf > now.saturating_add(self.leeway))
        {
            return Err(AuthError::Decode(DecodeFailure::NotYetValid));
        }
        if raw
            .iat
            .is_some_and(|iat| iat > now.saturating_add(self.leeway))
        {
            return Err(AuthError::Decode(DecodeFailure::IssuedInFuture));
        }
        if let Some(expected) = &self.issuer
            && raw.iss.as_deref() != Some(expected.as_str())
        {
            return Err(AuthError::InvalidIssuer);
        }
        // As PyJWT: a token addressed to an audience is refused by a service that expects
        // none, and a service that expects one refuses tokens addressed elsewhere.
        if self.audience.is_empty() {
            if !raw.aud.is_empty() {
                return Err(AuthError::InvalidAudience);
            }
        } else if !raw.aud.iter().any(|a| self.audience.contains(a)) {
            return Err(AuthError::InvalidAudience);
        }
        Ok(Claims {
            sub,
            jti,
            token_type,
            fresh: raw.fresh.unwrap_or(false),
            iat: raw.iat,
            nbf: raw.nbf,
            exp,
            iss: raw.iss,
            aud: raw.aud,
            csrf: raw.csrf.filter(|c| !c.is_empty()),
            scopes: raw.scopes,
            sid: raw.sid.filter(|s| !s.is_empty()),
            extra: raw.extra,
        })
    }

    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    pub fn default_audience(&self) -> &[String] {
        &self.audience
    }
}

fn map_jwt_error(e: &jsonwebtoken::errors::Error) -> AuthError {
    match e.kind() {
        ErrorKind::InvalidSignature => AuthError::InvalidSignature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::MissingAlgorithm => AuthError::Decode(DecodeFailure::Algorithm),
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::Decode(DecodeFailure::NotYetValid),
        ErrorKind::InvalidIssuer => AuthError::InvalidIssuer,
        ErrorKind::InvalidAudience => AuthError::InvalidAudience,
        _ => AuthError::Decode(DecodeFailure::Malformed),
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Keeps extra data from colliding with the registered claims.
pub(crate) fn check_extra(extra: &Extra) -> Result<(), IssueError> {
    match extra
        .keys()
        .find(|k| super::claims::RESERVED_CLAIMS.contains(&k.as_str()))
    {
        Some(k) => Err(IssueError::ReservedClaim(k.clone())),
        None => Ok(()),
    }
}
