//! Compact JWS (RFC 7515) on the hot path: the token split once, its header decoded once (into
//! borrowed fields, on the stack), the signature checked with a key prepared when the key set
//! loaded (HMAC) or by the selected crypto backend, and the payload decoded once, straight into
//! its target type. jsonwebtoken's `decode` reads the header three times and the claims twice;
//! its keys and backends are still what verifies.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::error::{DecodeFailure, TokenError};

const MALFORMED: TokenError = TokenError::Decode(DecodeFailure::Malformed);

/// Base64url parts up to this size decode on the stack; larger ones (rare: big payloads, RSA
/// signatures over 4096 bits) into a `Vec`.
const STACK: usize = 1024;

/// The media type RFC 9068 gives JWT access tokens, as the header's `typ`.
pub(crate) const AT_JWT: &str = "at+jwt";

/// The header `typ` of [`JwtCodec`](super::JwtCodec) tokens (explicit typing, RFC 8725
/// section 3.11): they never verify as authx access or refresh tokens, nor those as them.
pub(crate) const CODEC_TYP: &str = "authx-codec+jwt";

/// A compact JWS, split and its header read; nothing verified yet.
#[derive(Debug)]
pub(crate) struct Jws<'t> {
    /// The header's algorithm (`none` and unknown names are refused when parsing).
    pub alg: Algorithm,
    /// The header's `kid`.
    pub kid: Option<String>,
    /// Whether the header's `typ` is `at+jwt` (RFC 9068).
    pub at_jwt: bool,
    /// Whether the header's `typ` is [`CODEC_TYP`]: a `JwtCodec` token.
    pub codec: bool,
    /// `header.payload`, the signed bytes.
    message: &'t str,
    #[cfg_attr(not(feature = "oauth"), allow(dead_code))]
    header: &'t str,
    payload: &'t str,
    signature: &'t str,
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(default, borrow)]
    kid: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    typ: Option<Cow<'a, str>>,
    /// Present at all, whatever its value (`null` included).
    #[serde(default, deserialize_with = "present")]
    crit: bool,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

impl<'t> Jws<'t> {
    /// Splits `token` into its three parts and reads its header. Refuses anything but three
    /// base64url parts with a JSON object header, an unknown or `none` algorithm, and any
    /// `crit` header: authx understands no extension (RFC 7515 section 4.1.11).
    pub fn parse(token: &'t str) -> Result<Self, TokenError> {
        let (message, signature) = token.rsplit_once('.').ok_or(MALFORMED)?;
        let (header, payload) = message.split_once('.').ok_or(MALFORMED)?;
        if payload.contains('.') {
            return Err(MALFORMED);
        }
        let (alg, kid, at_jwt, codec) = match common_header(header) {
            Some((alg, at_jwt, codec)) => (alg, None, at_jwt, codec),
            None => read_header(header)?,
        };
        Ok(Jws {
            alg,
            kid,
            at_jwt,
            codec,
            message,
            header,
            payload,
            signature,
        })
    }

    /// Checks the signature with `key` (of the token's algorithm; `hmac` is the same key
    /// prepared, for HMAC algorithms): [`TokenError::InvalidSignature`] when it does not
    /// verify.
    pub fn verify(&self, key: &DecodingKey, hmac: Option<&HmacKey>) -> Result<(), TokenError> {
        let ok = match hmac {
            Some(mac) => decoded(self.signature, |sig| Ok(mac.verify(self.message, sig)))?,
            None => {
                let sig = B64.decode(self.signature).map_err(|_| MALFORMED)?;
                let verifier = (super::backend::provider().verifier_factory)(&self.alg, key)
                    .map_err(|e| TokenError::from_jwt(&e))?;
                verifier.verify(self.message.as_bytes(), &sig).is_ok()
            }
        };
        if ok {
            Ok(())
        } else {
            Err(TokenError::InvalidSignature)
        }
    }

    /// Checks the signature with each key in turn until one verifies: the last
    /// [`TokenError::InvalidSignature`] when none does (an algorithm error when there is no
    /// key), any other error at once.
    pub fn verify_any<'k>(
        &self,
        keys: impl IntoIterator<Item = (&'k DecodingKey, Option<&'k HmacKey>)>,
    ) -> Result<(), TokenError> {
        let mut last = TokenError::Decode(DecodeFailure::Algorithm);
        for (key, hmac) in keys {
            match self.verify(key, hmac) {
                Err(TokenError::InvalidSignature) => last = TokenError::InvalidSignature,
                done => return done,
            }
        }
        Err(last)
    }

    /// The whole header as `T`, for the fields [`parse`](Self::parse) does not read (a DPoP
    /// proof's `typ` and `jwk`): decoded again, off the token hot path.
    #[cfg(feature = "oauth")]
    pub fn header<T: DeserializeOwned>(&self) -> Result<T, TokenError> {
        decoded(self.header, |bytes| {
            serde_json::from_slice(bytes).map_err(|_| MALFORMED)
        })
    }

    /// The payload as `T` (verify first).
    pub fn claims<T: DeserializeOwned>(&self) -> Result<T, TokenError> {
        decoded(self.payload, |bytes| {
            serde_json::from_slice(bytes).map_err(|_| MALFORMED)
        })
    }
}

/// Reads a base64url header: its algorithm, `kid`, and whether its `typ` is `at+jwt` or
/// [`CODEC_TYP`].
fn read_header(header: &str) -> Result<(Algorithm, Option<String>, bool, bool), TokenError> {
    decoded(header, |bytes| {
        // UTF-8 throughout (serde_json does not check the strings of fields it skips), and an
        // object, not the array form serde would also read into a struct.
        let text = std::str::from_utf8(bytes).map_err(|_| MALFORMED)?;
        if !text.trim_start().starts_with('{') {
            return Err(MALFORMED);
        }
        let h: Header<'_> = serde_json::from_str(text).map_err(|_| MALFORMED)?;
        if h.crit {
            return Err(TokenError::Decode(DecodeFailure::UnsupportedCritical));
        }
        let alg = h
            .alg
            .parse::<Algorithm>()
            .map_err(|_| TokenError::Decode(DecodeFailure::Algorithm))?;
        let typ = h.typ.as_deref();
        Ok((
            alg,
            h.kid.map(Cow::into_owned),
            is_access_token_typ(typ),
            is_typ(typ, CODEC_TYP),
        ))
    })
}

/// What [`read_header`] says of the headers most tokens carry (`{"typ":"JWT","alg":A}` as
/// authx and jsonwebtoken write it, `{"alg":A,"typ":"JWT"}` as PyJWT does, and `{"alg":A}`,
/// for every algorithm, no `kid`), read once by `read_header` itself: a token with one of
/// these exact base64url headers skips decoding and parsing it. Any other header is read.
fn common_header(header: &str) -> Option<(Algorithm, bool, bool)> {
    type Table = HashMap<String, (Algorithm, bool, bool), foldhash::fast::RandomState>;
    static COMMON: OnceLock<Table> = OnceLock::new();
    COMMON
        .get_or_init(|| {
            use Algorithm::*;
            let mut table = Table::default();
            for alg in [
                HS256, HS384, HS512, ES256, ES384, RS256, RS384, RS512, PS256, PS384, PS512, EdDSA,
            ] {
                for json in [
                    format!(r#"{{"typ":"JWT","alg":"{alg:?}"}}"#),
                    format!(r#"{{"alg":"{alg:?}","typ":"JWT"}}"#),
                    format!(r#"{{"alg":"{alg:?}"}}"#),
                ] {
                    let b64 = B64.encode(json);
                    if let Ok((alg, None, at_jwt, codec)) = read_header(&b64) {
                        table.insert(b64, (alg, at_jwt, codec));
                    }
                }
            }
            table
        })
        .get(header)
        .copied()
}

/// Whether a header `typ` names a JWT access token: `at+jwt` or `application/at+jwt`, in any
/// case (RFC 9068 section 4, RFC 7515 section 4.1.9).
pub(crate) fn is_access_token_typ(typ: Option<&str>) -> bool {
    is_typ(typ, AT_JWT)
}

/// Whether a header `typ` is the media type `name`, with or without `application/`, in any
/// case (RFC 7515 section 4.1.9).
pub(crate) fn is_typ(typ: Option<&str>, name: &str) -> bool {
    typ.is_some_and(|t| {
        let t = t.strip_prefix("application/").unwrap_or(t);
        t.eq_ignore_ascii_case(name)
    })
}

/// Runs `f` on the bytes of base64url `part` (no padding, as RFC 7515 writes it).
fn decoded<R>(part: &str, f: impl FnOnce(&[u8]) -> Result<R, TokenError>) -> Result<R, TokenError> {
    let mut stack = [0u8; STACK];
    match B64.decode_slice(part, &mut stack) {
        Ok(n) => f(&stack[..n]),
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            f(&B64.decode(part).map_err(|_| MALFORMED)?)
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => Err(MALFORMED),
    }
}

/// An HMAC key with its inner and outer pads computed once, when the key set loads: verifying
/// then hashes the message and nothing else. Compared in constant time.
#[derive(Clone)]
pub(crate) enum HmacKey {
    Hs256(Hmac<sha2::Sha256>),
    Hs384(Hmac<sha2::Sha384>),
    Hs512(Hmac<sha2::Sha512>),
}

impl HmacKey {
    /// The key for `alg`; `None` for an algorithm that is not HMAC.
    pub fn new(alg: Algorithm, secret: &[u8]) -> Option<Self> {
        // `new_from_slice` accepts a key of any length for HMAC.
        Some(match alg {
            Algorithm::HS256 => HmacKey::Hs256(Mac::new_from_slice(secret).ok()?),
            Algorithm::HS384 => HmacKey::Hs384(Mac::new_from_slice(secret).ok()?),
            Algorithm::HS512 => HmacKey::Hs512(Mac::new_from_slice(secret).ok()?),
            _ => return None,
        })
    }

    fn verify(&self, message: &str, signature: &[u8]) -> bool {
        fn check<M: Mac + Clone>(mac: &M, message: &str, signature: &[u8]) -> bool {
            let mut mac = mac.clone();
            mac.update(message.as_bytes());
            mac.verify_slice(signature).is_ok()
        }
        match self {
            HmacKey::Hs256(m) => check(m, message, signature),
            HmacKey::Hs384(m) => check(m, message, signature),
            HmacKey::Hs512(m) => check(m, message, signature),
        }
    }
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        B64.encode(s)
    }

    #[test]
    fn refuses_what_is_not_a_compact_jws() {
        let h = b64(r#"{"alg":"HS256"}"#);
        for token in [
            String::new(),
            "a".into(),
            "a.b".into(),
            format!("{h}.e30.s.x"),
            format!("{h}=.e30.s"),
            "!!.e30.x".into(),
            format!("{}.e30.x", b64("[]")),
        ] {
            assert_eq!(Jws::parse(&token).unwrap_err(), MALFORMED, "{token}");
        }
        let none = format!("{}.e30.", b64(r#"{"alg":"none"}"#));
        assert_eq!(
            Jws::parse(&none).unwrap_err(),
            TokenError::Decode(DecodeFailure::Algorithm)
        );
        for crit in [
            r#"{"alg":"HS256","crit":["exp"]}"#,
            r#"{"alg":"HS256","crit":null}"#,
        ] {
            let token = format!("{}.e30.x", b64(crit));
            assert_eq!(
                Jws::parse(&token).unwrap_err(),
                TokenError::Decode(DecodeFailure::UnsupportedCritical)
            );
        }
        let array = format!("{}.e30.x", b64(r#"["HS256"]"#));
        assert_eq!(Jws::parse(&array).unwrap_err(), MALFORMED);
        // Found by fuzz/token: invalid UTF-8 in a field the header struct skips.
        let bad_utf8 = format!(
            "{}.e30.x",
            B64.encode(b"{\"alg\":\"HS256\",\"dyp\":\"J\xa9\xaa\"}")
        );
        assert_eq!(Jws::parse(&bad_utf8).unwrap_err(), MALFORMED);
        let dup = format!("{}.e30.x", b64(r#"{"alg":"HS256","alg":"none"}"#));
        assert_eq!(Jws::parse(&dup).unwrap_err(), MALFORMED);
    }

    #[test]
    fn reads_escaped_header_fields_and_large_parts() {
        let h = b64(r#"{"alg":"ES256","kid":"k\u0031","typ":"application/AT+JWT"}"#);
        let big = b64(&format!(r#"{{"pad":"{}"}}"#, "x".repeat(4000)));
        let token = format!("{h}.{big}.sig");
        let jws = Jws::parse(&token).unwrap();
        assert_eq!(
            (jws.alg, jws.kid.as_deref(), jws.at_jwt),
            (Algorithm::ES256, Some("k1"), true)
        );
        let payload: serde_json::Value = jws.claims().unwrap();
        assert_eq!(payload["pad"].as_str().map(str::len), Some(4000));
    }

    #[test]
    fn common_headers_read_as_the_parser_reads_them_and_others_are_parsed() {
        let common = [
            (r#"{"typ":"JWT","alg":"HS256"}"#, Algorithm::HS256),
            (r#"{"alg":"RS512","typ":"JWT"}"#, Algorithm::RS512),
            (r#"{"alg":"EdDSA"}"#, Algorithm::EdDSA),
        ];
        for (json, alg) in common {
            let h = b64(json);
            assert_eq!(common_header(&h), Some((alg, false, false)), "{json}");
            assert_eq!(read_header(&h).unwrap(), (alg, None, false, false));
        }
        for other in [
            r#"{"typ":"JWT","alg":"HS256","kid":"k1"}"#,
            r#"{"typ":"at+jwt","alg":"ES256"}"#,
            r#"{"alg":"HS256", "typ":"JWT"}"#,
            r#"{"alg":"none"}"#,
        ] {
            assert_eq!(common_header(&b64(other)), None, "{other}");
        }
        let kid = format!("{}.e30.x", b64(r#"{"typ":"JWT","alg":"HS256","kid":"k1"}"#));
        assert_eq!(Jws::parse(&kid).unwrap().kid.as_deref(), Some("k1"));
        // What jsonwebtoken (and so authx's signer) writes is common.
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &serde_json::json!({ "sub": "u" }),
            &jsonwebtoken::EncodingKey::from_secret(b"k"),
        )
        .unwrap();
        assert!(
            common_header(token.split('.').next().unwrap()).is_some(),
            "{token}"
        );
    }

    #[test]
    fn hmac_verifies_in_constant_time_and_refuses_other_bytes() {
        let key = HmacKey::new(Algorithm::HS256, b"k").unwrap();
        assert!(HmacKey::new(Algorithm::RS256, b"k").is_none());
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"k").unwrap();
        mac.update(b"a.b");
        let sig = mac.finalize().into_bytes();
        assert!(key.verify("a.b", &sig));
        assert!(!key.verify("a.c", &sig));
        assert!(!key.verify("a.b", &sig[..31]));
    }
}
