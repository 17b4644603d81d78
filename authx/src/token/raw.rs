//! Tokens as plain JWTs: [`insecure_decode`] for inspection, and [`JwtCodec`], a codec for any
//! payload (fastapi-auth-jwt's `JWTHandler.encode` / `decode`).

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::codec::TokenCodec;
use super::{DecodeFailure, Extra, IssueError, TokenError};
use crate::clock::{Clock, SystemClock};
use crate::config::{AuthConfig, ConfigError};

/// The largest token [`insecure_decode`] reads.
const INSPECT_LIMIT: usize = 64 * 1024;

/// A token's header and payload, read **without verifying anything**: see [`insecure_decode`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InsecureToken {
    /// The JOSE header (`alg`, `typ`, `kid`...).
    pub header: Extra,
    /// The payload, as the token claims it.
    pub claims: Extra,
}

/// Reads a token's header and payload **without checking its signature, its expiry or
/// anything else**, for inspection: logging which key or issuer a token names, debugging a
/// client. Anyone can write a token that decodes here.
///
/// **Never use it for an access decision**, nor trust any value it returns: verify with
/// [`Auth::verify_unrevoked`](crate::Auth::verify_unrevoked), a guard or an extractor.
/// Fails on tokens that are not three base64url parts with JSON objects in the first two, or
/// are over 64 KiB.
///
/// ```
/// # let auth = authx::Auth::new(authx::AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
/// let token = auth.tokens().create_access("ada").unwrap();
/// let seen = authx::insecure_decode(&token).unwrap();
/// assert_eq!((seen.header["alg"].as_str(), seen.claims["sub"].as_str()), (Some("HS256"), Some("ada")));
/// ```
pub fn insecure_decode(token: &str) -> Result<InsecureToken, TokenError> {
    use base64::Engine as _;
    let malformed = TokenError::Decode(DecodeFailure::Malformed);
    if token.len() > INSPECT_LIMIT {
        return Err(TokenError::Decode(DecodeFailure::TooLarge));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed);
    };
    let object = |part: &str| -> Result<Extra, TokenError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|_| malformed)?;
        serde_json::from_slice(&bytes).map_err(|_| malformed)
    };
    Ok(InsecureToken {
        header: object(header)?,
        claims: object(payload)?,
    })
}

/// A JWT codec for any payload, on the keys of an [`AuthConfig`] (fastapi-auth-jwt's
/// `JWTHandler`): [`encode`](Self::encode) signs the payload as it is, adding no `sub`, `jti`,
/// `type` or anything else unless asked ([`expires_in`](Self::expires_in)), and
/// [`decode`](Self::decode) verifies the signature (current key, then previous ones) and, when
/// the payload has them, `exp` and `nbf` (with the configured leeway). Nothing else: no
/// issuer, audience, type or revocation check. For authx's own tokens, use
/// [`Auth`](crate::Auth).
///
/// Its tokens are typed: their header's `typ` is `authx-codec+jwt` (RFC 8725 section 3.11),
/// and `decode` refuses any other, so the two kinds never pass for each other on shared keys:
/// an authx access or refresh token does not decode here, and a codec token, whatever its
/// payload, never verifies as an access or refresh token (both fail with
/// [`DecodeFailure::WrongTyp`]). Tokens of other JWT libraries (fastapi-auth-jwt's, or signed
/// before authx typed them) do not decode either.
///
/// ```
/// use authx::{AuthConfig, token::JwtCodec};
/// use serde::{Deserialize, Serialize};
/// use std::time::Duration;
///
/// #[derive(Serialize, Deserialize, PartialEq, Debug)]
/// struct Invite { team: String, role: String }
///
/// let codec = JwtCodec::new(&AuthConfig::builder().secret_key("k".repeat(32)).build())
///     .unwrap()
///     .expires_in(Duration::from_secs(3600));
/// let invite = Invite { team: "core".into(), role: "viewer".into() };
/// let token = codec.encode(&invite).unwrap();
/// assert_eq!(codec.decode::<Invite>(&token).unwrap(), invite);
/// let seen = authx::insecure_decode(&token).unwrap();
/// assert!(seen.claims.contains_key("exp") && !seen.claims.contains_key("sub"));
/// assert_eq!(seen.header["typ"], "authx-codec+jwt");
/// ```
pub struct JwtCodec {
    codec: TokenCodec,
    expires_in: Option<Duration>,
    clock: Box<dyn Clock>,
}

impl std::fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtCodec")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

impl JwtCodec {
    /// A codec on the keys, algorithm, leeway and size limit of `config`.
    pub fn new(config: &AuthConfig) -> Result<Self, ConfigError> {
        Ok(JwtCodec {
            codec: TokenCodec::new(config)?,
            expires_in: None,
            clock: Box::new(SystemClock),
        })
    }

    /// Adds `iat` and `exp` (`now + lifetime`) to object payloads that do not set them.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = Some(lifetime);
        self
    }

    /// Reads time from `clock` (for tests) rather than the system clock.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Signs `payload` as it is (with `iat`/`exp` only under [`expires_in`](Self::expires_in)),
    /// under this codec's header `typ`.
    pub fn encode<T: Serialize>(&self, payload: &T) -> Result<String, IssueError> {
        let Some(lifetime) = self.expires_in else {
            return self.codec.encode_payload(payload);
        };
        let mut value =
            serde_json::to_value(payload).map_err(|e| IssueError::Data(e.to_string()))?;
        if let serde_json::Value::Object(map) = &mut value {
            let now = self.clock.now();
            map.entry("iat").or_insert(now.into());
            map.entry("exp")
                .or_insert(now.saturating_add(crate::clock::secs(lifetime)).into());
        }
        self.codec.encode_payload(&value)
    }

    /// Verifies `token` and reads its payload as `T`: its `typ` (this codec's, else
    /// [`DecodeFailure::WrongTyp`]), the signature, then `exp` and `nbf` when present (a
    /// present one that is not a number is refused). A payload of another shape
    /// than `T` is `JWTDecodeError`-malformed.
    pub fn decode<T: DeserializeOwned>(&self, token: &str) -> Result<T, TokenError> {
        let payload: serde_json::Value = self.codec.decode_payload(token)?;
        let now = self.clock.now();
        let leeway = self.codec.leeway();
        let time = |name| match payload.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_number()
                .cloned()
                .and_then(super::claims::numeric_date)
                .map(Some)
                .ok_or(TokenError::Decode(DecodeFailure::MissingClaim(name))),
        };
        if let Some(exp) = time("exp")?
            && now >= exp.saturating_add(leeway)
        {
            return Err(TokenError::Expired);
        }
        if let Some(nbf) = time("nbf")?
            && nbf > now.saturating_add(leeway)
        {
            return Err(TokenError::Decode(DecodeFailure::NotYetValid));
        }
        T::deserialize(payload).map_err(|_| TokenError::Decode(DecodeFailure::Malformed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::token::{TokenBuilder, TokenType};

    const NOW: i64 = 1_800_000_000;

    /// Issue 25 item 8: on shared keys, a codec token whose payload looks like an authx token
    /// verified as one, and authx tokens decoded through the codec.
    #[test]
    fn codec_tokens_and_authx_tokens_never_pass_for_each_other() {
        for profile in [false, true] {
            let config = AuthConfig::builder()
                .secret_key("k".repeat(32))
                .jwt_access_token_profile(profile)
                .build();
            let tokens = TokenCodec::new(&config).unwrap();
            let codec = JwtCodec::new(&config)
                .unwrap()
                .with_clock(ManualClock::at(NOW));
            let wrong_typ = TokenError::Decode(DecodeFailure::WrongTyp);
            for token_type in [TokenType::Access, TokenType::Refresh] {
                let name = if token_type == TokenType::Access {
                    "access"
                } else {
                    "refresh"
                };
                // A codec payload shaped as an authx token: never verifies as one.
                let shaped = serde_json::json!({
                    "sub": "ada", "jti": "j1", "type": name, "exp": NOW + 60, "iat": NOW
                });
                let forged = codec.encode(&shaped).unwrap();
                assert_eq!(tokens.verify(&forged, NOW), Err(wrong_typ), "{name}");
                assert_eq!(tokens.verify_allowing_expired(&forged, NOW), Err(wrong_typ));
                assert_eq!(codec.decode::<serde_json::Value>(&forged).unwrap(), shaped);
                // An authx token (`JWT`, or `at+jwt` under RFC 9068): never decodes here.
                let clock = ManualClock::at(NOW);
                let issued = TokenBuilder::new(&tokens, &clock, "ada".into(), token_type)
                    .issue()
                    .unwrap();
                assert!(tokens.verify(&issued, NOW).is_ok());
                assert_eq!(
                    codec.decode::<serde_json::Value>(&issued),
                    Err(wrong_typ),
                    "{name}, profile {profile}"
                );
            }
        }
    }

    /// An authx token cannot be issued under the codec's `typ`.
    #[test]
    fn authx_tokens_cannot_take_the_codec_typ() {
        let config = AuthConfig::builder().secret_key("k".repeat(32)).build();
        let tokens = TokenCodec::new(&config).unwrap();
        let clock = ManualClock::at(NOW);
        let issued = TokenBuilder::new(&tokens, &clock, "ada".into(), TokenType::Access)
            .header("typ", "Authx-Codec+JWT")
            .issue();
        assert!(matches!(issued, Err(IssueError::Invalid(_))), "{issued:?}");
    }
}
