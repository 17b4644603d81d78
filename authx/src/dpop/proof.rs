//! Verifying one DPoP proof against its request (RFC 9449 section 4.3).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::request::Parts;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::token::jwk_thumbprint as thumbprint;
use crate::token::jws::Jws;

use super::{ALGORITHMS, NonceKey};
use crate::config::AuthConfig;
use crate::error::AuthError;
use crate::token::Claims;

/// The longest proof accepted, in bytes.
const MAX_PROOF: usize = 8 * 1024;
/// How far in the future a proof's `iat` may be (client clocks run ahead).
const FUTURE_SKEW: i64 = 10;

/// A verified DPoP proof.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DpopProof {
    /// The RFC 7638 SHA-256 thumbprint of the proof's key: what a bound token's `cnf.jkt`
    /// holds.
    pub jkt: String,
    /// The proof's unique id.
    pub jti: String,
    /// When the proof was made.
    pub iat: i64,
}

fn invalid(reason: &'static str) -> AuthError {
    AuthError::InvalidDpopProof { reason }
}

/// Checks the request's `DPoP` header: structure, signature, `typ`, `htm`, `htu`, `iat`, the
/// `ath` of `access_token` when one is used, and the nonce when nonces are on. The caller
/// checks `jti` replay (a store call) and the token's binding.
pub(crate) fn verify_proof(
    parts: &Parts,
    config: &AuthConfig,
    access_token: Option<&str>,
    now: i64,
    nonces: &NonceKey,
) -> Result<DpopProof, AuthError> {
    let mut values = parts.headers.get_all("dpop").iter();
    let header = values
        .next()
        .ok_or(invalid("a DPoP proof header is required"))?;
    if values.next().is_some() {
        return Err(invalid("exactly one DPoP proof header is allowed"));
    }
    let proof = header
        .to_str()
        .map_err(|_| invalid("the DPoP proof is not a JWT"))?
        .trim();
    if proof.is_empty() || proof.len() > MAX_PROOF {
        return Err(invalid("the DPoP proof is empty or too large"));
    }
    // The same JWS reader as tokens: three base64url parts, a JSON object header, a known
    // algorithm (never `none`), no `crit`. The header is then read whole: the JWK must be
    // public, which jsonwebtoken's typed JWK cannot say.
    let jws = Jws::parse(proof).map_err(|_| invalid("the DPoP proof is not a JWT"))?;
    let raw_header: Map<String, Value> = jws
        .header()
        .map_err(|_| invalid("the DPoP proof is not a JWT"))?;
    let typ = raw_header.get("typ").and_then(Value::as_str);
    if !typ.is_some_and(|t| t.eq_ignore_ascii_case("dpop+jwt")) {
        return Err(invalid("the DPoP proof's typ must be dpop+jwt"));
    }
    let alg = raw_header.get("alg").and_then(Value::as_str).unwrap_or("");
    if !ALGORITHMS.contains(&alg) {
        return Err(invalid("the DPoP proof's algorithm is not accepted"));
    }
    let jwk = raw_header
        .get("jwk")
        .and_then(Value::as_object)
        .ok_or(invalid("the DPoP proof carries no jwk"))?;
    if ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]
        .iter()
        .any(|m| jwk.contains_key(*m))
    {
        return Err(invalid("the DPoP proof's jwk holds a private key"));
    }
    let fits = match (alg, jwk.get("kty").and_then(Value::as_str)) {
        ("EdDSA", Some("OKP")) | ("RS256" | "PS256", Some("RSA")) => true,
        ("ES256", Some("EC")) => jwk.get("crv").and_then(Value::as_str) == Some("P-256"),
        ("ES384", Some("EC")) => jwk.get("crv").and_then(Value::as_str) == Some("P-384"),
        _ => false,
    };
    if !fits || !crate::token::public_jwk_is_sound(jwk) {
        return Err(invalid("the DPoP proof's jwk is not a usable public key"));
    }
    let jkt = thumbprint(jwk).ok_or(invalid("the DPoP proof's jwk is not a usable public key"))?;

    let typed: jsonwebtoken::jwk::Jwk = serde_json::from_value(Value::Object(jwk.clone()))
        .map_err(|_| invalid("the DPoP proof's jwk is not a usable public key"))?;
    let key = jsonwebtoken::DecodingKey::from_jwk(&typed)
        .map_err(|_| invalid("the DPoP proof's jwk is not a usable public key"))?;
    jws.verify(&key, None)
        .map_err(|_| invalid("the DPoP proof's signature does not verify with its jwk"))?;
    let claims: Map<String, Value> = jws
        .claims()
        .map_err(|_| invalid("the DPoP proof is not a JWT"))?;

    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or(invalid("the DPoP proof needs a jti"))?;
    let htm = claims.get("htm").and_then(Value::as_str);
    if htm != Some(parts.method.as_str()) {
        return Err(invalid("the DPoP proof's htm is not the request's method"));
    }
    let htu = claims
        .get("htu")
        .and_then(Value::as_str)
        .ok_or(invalid("the DPoP proof needs an htu"))?;
    if !htu_matches(htu, parts, config) {
        return Err(invalid("the DPoP proof's htu is not the request's URL"));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or(invalid("the DPoP proof needs an iat"))?;
    let max_age = i64::try_from(config.oauth.dpop_max_age.as_secs()).unwrap_or(i64::MAX);
    if iat > now.saturating_add(FUTURE_SKEW) || iat < now.saturating_sub(max_age) {
        return Err(invalid("the DPoP proof's iat is too old or in the future"));
    }
    if let Some(token) = access_token {
        let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
        let ath = claims.get("ath").and_then(Value::as_str).ok_or(invalid(
            "the DPoP proof needs the access token's hash (ath)",
        ))?;
        if !crate::crypto::constant_time_eq(ath.as_bytes(), expected.as_bytes()) {
            return Err(invalid(
                "the DPoP proof's ath is not the access token's hash",
            ));
        }
    }
    if config.oauth.dpop_nonce {
        let fresh = claims
            .get("nonce")
            .and_then(Value::as_str)
            .is_some_and(|n| nonces.accepts(n, now));
        if !fresh {
            return Err(AuthError::UseDpopNonce {
                nonce: nonces.issue(now),
            });
        }
    }
    Ok(DpopProof {
        jkt,
        jti: jti.to_owned(),
        iat,
    })
}

/// Whether `claims` may be used with `proof`: a bound token only with a proof of its key,
/// and a token sent with the DPoP scheme must be bound.
pub(crate) fn check_binding(claims: &Claims, proof: Option<&DpopProof>) -> Result<(), AuthError> {
    let bound = claims.dpop_jkt();
    let binding = |reason| AuthError::InvalidDpopBinding { reason };
    match (bound, proof) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(binding(
            "this token is DPoP-bound: send it as `Authorization: DPoP` with a proof",
        )),
        (None, Some(_)) => Err(binding("this token is not DPoP-bound")),
        (Some(jkt), Some(p))
            if crate::crypto::constant_time_eq(jkt.as_bytes(), p.jkt.as_bytes()) =>
        {
            Ok(())
        }
        (Some(_), Some(_)) => Err(binding("the DPoP proof's key is not the token's")),
    }
}

/// `htu` against the request: scheme and host case-insensitively, the path exactly, query and
/// fragment ignored. With `dpop_base_url` the request's URL is that base plus the path; else
/// the `Host` header names the host and either scheme is accepted (TLS may end at a proxy).
fn htu_matches(htu: &str, parts: &Parts, config: &AuthConfig) -> bool {
    let htu = htu.split(['?', '#']).next().unwrap_or("");
    let Some((scheme, rest)) = htu.split_once("://") else {
        return false;
    };
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let path = if path.is_empty() { "/" } else { path };
    // The URL the client sent: a nested router sees its own suffix of it.
    let requested = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.path(), |o| o.0.path());
    if path != requested {
        return false;
    }
    // The configured external URL, else the resource identifier's origin; the Host header
    // only when neither is set (it is the client's to write).
    let base = config.oauth.dpop_base_url.as_deref().or_else(|| {
        let resource = config.oauth.resource.as_deref()?;
        crate::config::split_resource(resource).map(|(origin, _)| origin)
    });
    match base {
        Some(base) => {
            let base = base.trim_end_matches('/');
            let Some((b_scheme, b_authority)) = base.split_once("://") else {
                return false;
            };
            let (b_authority, b_path) = b_authority
                .find('/')
                .map_or((b_authority, ""), |i| b_authority.split_at(i));
            scheme.eq_ignore_ascii_case(b_scheme)
                && authority.eq_ignore_ascii_case(b_authority)
                && b_path.is_empty()
        }
        None => {
            let host = parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .or_else(|| parts.uri.authority().map(|a| a.as_str()));
            (scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
                && host.is_some_and(|h| authority.eq_ignore_ascii_case(h))
        }
    }
}
