//! Signing and verifying: a pure function of bytes, keys and the current time. No HTTP here.

use std::sync::Arc;
use std::time::Duration;

use super::claims::{Claims, Extra, RawClaims, TokenType};
use super::error::{DecodeFailure, IssueError, TokenError};
use super::keys::{KeySet, Verifier};
use crate::config::{AuthConfig, ConfigError, TokenLocation};

/// Issues and verifies tokens for one configuration.
pub(crate) struct TokenCodec {
    keys: KeySet,
    issuer: Option<String>,
    audience: Vec<String>,
    leeway: i64,
    max_token_size: usize,
    access_lifetime: Duration,
    refresh_lifetime: Duration,
    /// Tokens carry a `csrf` claim by default (cookies are a location and CSRF is on).
    csrf_in_tokens: bool,
}

impl TokenCodec {
    pub fn new(config: &AuthConfig) -> Result<Self, ConfigError> {
        Ok(TokenCodec {
            keys: KeySet::load(config)?,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway: crate::clock::secs(config.leeway),
            max_token_size: config.max_token_size,
            access_lifetime: config.access_token_expires,
            refresh_lifetime: config.refresh_token_expires,
            csrf_in_tokens: config.csrf.enabled && config.has_location(TokenLocation::Cookies),
        })
    }

    /// The default lifetime of a token of `token_type`.
    pub fn lifetime(&self, token_type: TokenType) -> Duration {
        match token_type {
            TokenType::Access => self.access_lifetime,
            TokenType::Refresh => self.refresh_lifetime,
        }
    }

    /// Whether tokens carry a `csrf` claim unless told otherwise.
    pub fn csrf_in_tokens(&self) -> bool {
        self.csrf_in_tokens
    }

    /// Signs `claims`, with the configured `kid` unless `kid` overrides it.
    pub fn encode<E: serde::Serialize>(
        &self,
        claims: &Claims<E>,
        kid: Option<&str>,
    ) -> Result<String, IssueError> {
        let signer = self.keys.signer.as_ref().ok_or(IssueError::NoSigningKey)?;
        let result = match kid {
            Some(k) if signer.header.kid.as_deref() != Some(k) => {
                let mut header = signer.header.clone();
                header.kid = Some(k.to_owned());
                jsonwebtoken::encode(&header, claims, &signer.key)
            }
            _ => jsonwebtoken::encode(&signer.header, claims, &signer.key),
        };
        result.map_err(|e| IssueError::Signing(Arc::new(e)))
    }

    /// Verifies the signature (current key, then previous ones, or the one named by `kid`)
    /// and every claim, at time `now` (seconds since the epoch).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        self.verify_with(token, now, false)
    }

    /// [`verify`](Self::verify), but an expired token passes (signature and every other claim
    /// still checked). For implicit refresh only.
    pub fn verify_allowing_expired(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        self.verify_with(token, now, true)
    }

    fn verify_with(
        &self,
        token: &str,
        now: i64,
        allow_expired: bool,
    ) -> Result<Claims, TokenError> {
        if token.len() > self.max_token_size {
            return Err(TokenError::Decode(DecodeFailure::TooLarge));
        }
        if token.is_empty() {
            return Err(TokenError::Decode(DecodeFailure::Malformed));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| TokenError::from_jwt(&e))?;
        let mut last = TokenError::Decode(DecodeFailure::Algorithm);
        let mut tried = false;
        for v in self.candidates(header.alg, header.kid.as_deref())? {
            tried = true;
            match jsonwebtoken::decode::<RawClaims>(token, &v.key, &v.validation) {
                Ok(data) => return self.check_claims(data.claims, now, allow_expired),
                Err(e) => {
                    last = TokenError::from_jwt(&e);
                    if !matches!(last, TokenError::InvalidSignature) {
                        return Err(last);
                    }
                }
            }
        }
        if !tried {
            return Err(TokenError::Decode(DecodeFailure::Algorithm));
        }
        Err(last)
    }

    fn candidates<'a>(
        &'a self,
        alg: jsonwebtoken::Algorithm,
        kid: Option<&'a str>,
    ) -> Result<impl Iterator<Item = &'a Verifier> + 'a, TokenError> {
        let by_kid = self.keys.uses_kids && kid.is_some();
        if by_kid && !self.keys.verifiers.iter().any(|v| v.kid.as_deref() == kid) {
            return Err(TokenError::Decode(DecodeFailure::UnknownKey));
        }
        Ok(self
            .keys
            .verifiers
            .iter()
            .filter(move |v| v.algorithm.to_jwt() == alg && (!by_kid || v.kid.as_deref() == kid)))
    }

    fn check_claims(
        &self,
        raw: RawClaims,
        now: i64,
        allow_expired: bool,
    ) -> Result<Claims, TokenError> {
        let missing = |name| TokenError::Decode(DecodeFailure::MissingClaim(name));
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
            Some(_) => return Err(TokenError::Decode(DecodeFailure::UnknownType)),
            None => return Err(missing("type")),
        };
        let exp = raw.exp.ok_or_else(|| missing("exp"))?;
        if !allow_expired && now >= exp.saturating_add(self.leeway) {
            return Err(TokenError::Expired);
        }
        if raw
            .nbf
            .is_some_and(|nbf| nbf > now.saturating_add(self.leeway))
        {
            return Err(TokenError::Decode(DecodeFailure::NotYetValid));
        }
        if raw
            .iat
            .is_some_and(|iat| iat > now.saturating_add(self.leeway))
        {
            return Err(TokenError::Decode(DecodeFailure::IssuedInFuture));
        }
        if let Some(expected) = &self.issuer
            && raw.iss.as_deref() != Some(expected.as_str())
        {
            return Err(TokenError::InvalidIssuer);
        }
        // As PyJWT: a token addressed to an audience is refused by a service that expects
        // none, and a service that expects one refuses tokens addressed elsewhere.
        if self.audience.is_empty() {
            if !raw.aud.is_empty() {
                return Err(TokenError::InvalidAudience);
            }
        } else if !raw.aud.iter().any(|a| self.audience.contains(a)) {
            return Err(TokenError::InvalidAudience);
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
