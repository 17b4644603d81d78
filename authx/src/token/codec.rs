//! Signing and verifying: a pure function of bytes, keys and the current time. No HTTP here.

use std::sync::Arc;
use std::time::Duration;

use super::claims::{Claims, Extra, TokenType};
use super::error::{DecodeFailure, IssueError, TokenError};
use super::jws::Jws;
use super::keys::{KeySet, Verifier};
use super::raw_claims::{RawClaims, TypeClaim};
use super::times::{Times, check_times};
use super::verified_cache::VerifiedCache;
use crate::CacheSize;
use crate::config::{AuthConfig, ConfigError, TokenLocation, VerifyCache, VerifyCacheMode};

/// Issues and verifies tokens for one configuration.
pub(crate) struct TokenCodec {
    /// Swapped whole when a key file is reloaded; readers clone the `Arc` and never wait on a
    /// reload.
    keys: std::sync::RwLock<Arc<KeySet>>,
    issuer: Option<String>,
    audience: Vec<String>,
    leeway: i64,
    max_token_size: usize,
    access_lifetime: Duration,
    refresh_lifetime: Duration,
    /// Tokens carry a `csrf` claim by default (cookies are a location and CSRF is on).
    csrf_in_tokens: bool,
    /// RFC 9068: access tokens are `typ: at+jwt`, issued so and required so.
    access_profile: bool,
    /// The configured `client_id` under the RFC 9068 profile, written on access and refresh
    /// tokens.
    client_id: Option<String>,
    verify_cache: VerifyCache,
}

pub(crate) use super::jws::AT_JWT;

impl TokenCodec {
    pub fn new(config: &AuthConfig) -> Result<Self, ConfigError> {
        Ok(TokenCodec {
            keys: std::sync::RwLock::new(Arc::new(with_cache(
                KeySet::load(config)?,
                config.verify_cache,
            ))),
            verify_cache: config.verify_cache,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway: crate::clock::secs(config.leeway),
            max_token_size: config.max_token_size,
            access_lifetime: config.access_token_expires,
            refresh_lifetime: config.refresh_token_expires,
            csrf_in_tokens: config.csrf.enabled && config.has_location(TokenLocation::Cookies),
            access_profile: config.oauth.jwt_access_token_profile,
            client_id: config
                .oauth
                .client_id
                .clone()
                .filter(|_| config.oauth.jwt_access_token_profile),
        })
    }

    /// The default lifetime of a token of `token_type`.
    pub fn lifetime(&self, token_type: TokenType) -> Duration {
        match token_type {
            TokenType::Access => self.access_lifetime,
            TokenType::Refresh => self.refresh_lifetime,
        }
    }

    /// The configured `client_id` the tokens carry (access and refresh).
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// Whether tokens carry a `csrf` claim unless told otherwise.
    pub fn csrf_in_tokens(&self) -> bool {
        self.csrf_in_tokens
    }

    /// Signs `claims`, with the configured `kid` unless `kid` overrides it, and the header
    /// fields of `fields` (by JSON name; `alg`, `crit` and `b64` are refused).
    pub fn encode<E: serde::Serialize>(
        &self,
        claims: &Claims<E>,
        kid: Option<&str>,
        fields: &Extra,
    ) -> Result<String, IssueError> {
        let keys = self.keys();
        let signer = keys.signer.as_ref().ok_or(IssueError::NoSigningKey)?;
        if self.access_profile
            && claims.token_type == TokenType::Access
            && !fields.contains_key("typ")
        {
            let mut fields = fields.clone();
            fields.insert("typ".into(), AT_JWT.into());
            let header = with_fields(&signer.header, kid, &fields)?;
            return jsonwebtoken::encode(&header, claims, &signer.key)
                .map_err(|e| IssueError::Signing(Arc::new(e)));
        }
        let result = if fields.is_empty() {
            match kid {
                Some(k) if signer.header.kid.as_deref() != Some(k) => {
                    let mut header = signer.header.clone();
                    header.kid = Some(k.to_owned());
                    jsonwebtoken::encode(&header, claims, &signer.key)
                }
                _ => jsonwebtoken::encode(&signer.header, claims, &signer.key),
            }
        } else {
            let header = with_fields(&signer.header, kid, fields)?;
            jsonwebtoken::encode(&header, claims, &signer.key)
        };
        result.map_err(|e| IssueError::Signing(Arc::new(e)))
    }

    /// Verifies the signature (current key, then previous ones, or the one named by `kid`)
    /// and every claim, at time `now` (seconds since the epoch).
    pub fn verify(&self, token: &str, now: i64) -> Result<Arc<Claims>, TokenError> {
        self.verify_with(token, now, false)
    }

    /// [`verify`](Self::verify), but an expired token passes (signature and every other claim
    /// still checked). For implicit refresh only.
    pub fn verify_allowing_expired(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Arc<Claims>, TokenError> {
        self.verify_with(token, now, true)
    }

    fn verify_with(
        &self,
        token: &str,
        now: i64,
        allow_expired: bool,
    ) -> Result<Arc<Claims>, TokenError> {
        self.fits(token)?;
        let keys = self.keys();
        if let Some(claims) = keys.cache.as_ref().and_then(|c| c.get(token, now)) {
            check_times(&*claims, now, self.leeway, allow_expired)?;
            return Ok(claims);
        }
        let jws = Jws::parse(token)?;
        if jws.codec {
            return Err(TokenError::Decode(DecodeFailure::WrongTyp));
        }
        verify_signature(&keys, &jws)?;
        let claims = Arc::new(self.check_claims(jws.claims::<RawClaims>()?, now, allow_expired)?);
        if self.access_profile && claims.token_type == TokenType::Access && !jws.at_jwt {
            return Err(TokenError::Decode(DecodeFailure::NotAnAccessTokenJwt));
        }
        if let Some(cache) = keys.cache.as_ref().filter(|_| self.caches(jws.alg)) {
            let until = claims.exp.saturating_add(self.leeway);
            let cheap = jws.alg.family() == jsonwebtoken::AlgorithmFamily::Hmac;
            cache.insert(token, claims.clone(), until, now, cheap);
        }
        Ok(claims)
    }

    /// The payload of a [`JwtCodec`](super::JwtCodec) token (header `typ`
    /// [`CODEC_TYP`](super::jws::CODEC_TYP)) as `T` once its signature verifies (current key,
    /// then previous ones, or the one its `kid` names); no claim is checked.
    pub fn decode_payload<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<T, TokenError> {
        let jws = self.parse(token)?;
        if !jws.codec {
            return Err(TokenError::Decode(DecodeFailure::WrongTyp));
        }
        verify_signature(&self.keys(), &jws)?;
        jws.claims()
    }

    /// Splits `token` and reads its header, after the size check.
    fn parse<'t>(&self, token: &'t str) -> Result<Jws<'t>, TokenError> {
        self.fits(token)?;
        Jws::parse(token)
    }

    /// Refuses a token over the size limit, before any work on it.
    fn fits(&self, token: &str) -> Result<(), TokenError> {
        if token.len() > self.max_token_size {
            return Err(TokenError::Decode(DecodeFailure::TooLarge));
        }
        Ok(())
    }

    /// Whether verified tokens of `alg` are remembered.
    fn caches(&self, alg: jsonwebtoken::Algorithm) -> bool {
        match self.verify_cache.mode {
            VerifyCacheMode::Off => false,
            VerifyCacheMode::All => true,
            _ => alg.family() != jsonwebtoken::AlgorithmFamily::Hmac,
        }
    }

    /// Signs any payload as it is, with the configured header and `typ`
    /// [`CODEC_TYP`](super::jws::CODEC_TYP) (the standalone codec).
    pub fn encode_payload<T: serde::Serialize>(&self, payload: &T) -> Result<String, IssueError> {
        let keys = self.keys();
        let signer = keys.signer.as_ref().ok_or(IssueError::NoSigningKey)?;
        let mut header = signer.header.clone();
        header.typ = Some(super::jws::CODEC_TYP.to_owned());
        jsonwebtoken::encode(&header, payload, &signer.key)
            .map_err(|e| IssueError::Signing(Arc::new(e)))
    }

    /// The configured leeway, in seconds.
    pub fn leeway(&self) -> i64 {
        self.leeway
    }

    /// The key set in use.
    pub fn keys(&self) -> Arc<KeySet> {
        // A poisoned lock still holds a whole key set: replacing it is one assignment.
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the key set (a reloaded key file).
    pub fn replace_keys(&self, keys: KeySet) {
        let keys = Arc::new(with_cache(keys, self.verify_cache));
        *self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = keys;
    }

    /// Entries and allocated bytes of the verified-token cache (zero when off).
    pub fn verify_cache_size(&self) -> CacheSize {
        self.keys()
            .cache
            .as_ref()
            .map(VerifiedCache::size)
            .unwrap_or_default()
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
        let token_type = match raw.token_type {
            Some(TypeClaim::Access) => TokenType::Access,
            Some(TypeClaim::Refresh) => TokenType::Refresh,
            Some(TypeClaim::Other) => return Err(TokenError::Decode(DecodeFailure::UnknownType)),
            None => return Err(missing("type")),
        };
        let exp = raw.exp.ok_or_else(|| missing("exp"))?;
        check_times(
            Times {
                exp,
                nbf: raw.nbf,
                iat: raw.iat,
            },
            now,
            self.leeway,
            allow_expired,
        )?;
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
            auth_time: raw.auth_time,
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

/// Checks the signature of `jws` with the key its `kid` names, or else the current key, then
/// previous ones.
fn verify_signature(keys: &KeySet, jws: &Jws<'_>) -> Result<(), TokenError> {
    jws.verify_any(
        candidates(keys, jws.alg, jws.kid.as_deref())?.map(|v| (&v.key, v.hmac.as_ref())),
    )
}

/// The verifiers that may have signed a token of `alg` naming `kid`.
fn candidates<'a>(
    keys: &'a KeySet,
    alg: jsonwebtoken::Algorithm,
    kid: Option<&'a str>,
) -> Result<impl Iterator<Item = &'a Verifier> + 'a, TokenError> {
    let by_kid = keys.uses_kids && kid.is_some();
    if by_kid && !keys.verifiers.iter().any(|v| v.kid.as_deref() == kid) {
        return Err(TokenError::Decode(DecodeFailure::UnknownKey));
    }
    Ok(keys
        .verifiers
        .iter()
        .filter(move |v| v.algorithm.to_jwt() == alg && (!by_kid || v.kid.as_deref() == kid)))
}

/// `keys` with an empty verified-token cache, unless the cache is off.
fn with_cache(mut keys: KeySet, config: VerifyCache) -> KeySet {
    keys.cache = VerifiedCache::for_config(&config);
    keys
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

/// Header fields authx will not set: `alg` is the key's, and `crit` and `b64` (RFC 7515
/// section 4.1.11, RFC 7797) change how a token must be processed.
const FIXED_HEADER_FIELDS: &[&str] = &["alg", "crit", "b64"];

/// `header` with `kid` and the fields of `fields` set, by their JSON names.
fn with_fields(
    header: &jsonwebtoken::Header,
    kid: Option<&str>,
    fields: &Extra,
) -> Result<jsonwebtoken::Header, IssueError> {
    let invalid = |what: String| IssueError::Invalid(what);
    let serde_json::Value::Object(mut json) =
        serde_json::to_value(header).map_err(|e| invalid(format!("header: {e}")))?
    else {
        return Err(invalid("header: not an object".into()));
    };
    if let Some(kid) = kid {
        json.insert("kid".into(), kid.into());
    }
    for (name, value) in fields {
        if name == "typ" && super::jws::is_typ(value.as_str(), super::jws::CODEC_TYP) {
            return Err(invalid(format!("`typ` {value} is JwtCodec's")));
        }
        if FIXED_HEADER_FIELDS.contains(&name.as_str()) {
            return Err(invalid(format!(
                "the `{name}` header field cannot be set (`alg` is the signing key's; `crit` \
                 and `b64` change how the token must be processed)"
            )));
        }
        json.insert(name.clone(), value.clone());
    }
    serde_json::from_value(serde_json::Value::Object(json)).map_err(|e| {
        invalid(format!(
            "a header field has a value of the wrong shape: {e}"
        ))
    })
}
