//! RFC 7638 JWK thumbprints: the `kid` authx gives asymmetric keys that have none, and the
//! `cnf.jkt` of DPoP-bound tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The RFC 7638 SHA-256 thumbprint of a public JWK: its required members, in lexicographic
/// order, without whitespace (RFC 8037 section 2 for OKP keys).
pub fn jwk_thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let kty = jwk.get("kty")?.as_str()?;
    let members: &[&str] = match kty {
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        "RSA" => &["e", "kty", "n"],
        _ => return None,
    };
    let mut canonical = Map::new();
    for m in members {
        let v = jwk.get(*m)?.as_str()?;
        canonical.insert((*m).to_owned(), Value::String(v.to_owned()));
    }
    // serde_json's Map keeps keys sorted (no `preserve_order` feature), as RFC 7638 wants.
    let json = serde_json::to_string(&canonical).ok()?;
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(json.as_bytes())))
}

/// Whether a public JWK's numbers have the sizes its type and curve require: an Ed25519 `x`
/// of 32 bytes, P-256 / P-384 coordinates of 32 / 48 bytes, an RSA modulus of 2048 to 8192
/// bits and a short exponent. jsonwebtoken's key parsing trusts these sizes (a short Ed25519
/// key panics when used), so untrusted keys are checked first.
#[cfg_attr(not(any(feature = "oauth", feature = "jwks")), allow(dead_code))]
pub(crate) fn public_jwk_is_sound(jwk: &Map<String, Value>) -> bool {
    let len = |member: &str| {
        jwk.get(member)
            .and_then(Value::as_str)
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
            .map(|bytes| bytes.len())
    };
    let crv = jwk.get("crv").and_then(Value::as_str);
    match jwk.get("kty").and_then(Value::as_str) {
        Some("OKP") => crv == Some("Ed25519") && len("x") == Some(32),
        Some("EC") => {
            let size = match crv {
                Some("P-256") => 32,
                Some("P-384") => 48,
                _ => return false,
            };
            len("x") == Some(size) && len("y") == Some(size)
        }
        Some("RSA") => {
            len("n").is_some_and(|n| (256..=1024).contains(&n))
                && len("e").is_some_and(|e| (1..=8).contains(&e))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_follow_rfc_7638() {
        // RFC 7638 section 3.1's example key and thumbprint.
        let jwk: Map<String, Value> = serde_json::from_str(
            r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
        )
        .unwrap();
        assert_eq!(
            jwk_thumbprint(&jwk).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
        // RFC 8037 appendix A.3's Ed25519 key and thumbprint.
        let jwk: Map<String, Value> = serde_json::from_str(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        assert_eq!(
            jwk_thumbprint(&jwk).as_deref(),
            Some("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        );
        let jwk: Map<String, Value> = serde_json::from_str(r#"{"kty":"oct","k":"AAAA"}"#).unwrap();
        assert!(!public_jwk_is_sound(&jwk));
        let short: Map<String, Value> =
            serde_json::from_str(r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#).unwrap();
        assert!(!public_jwk_is_sound(&short));
        let ed: Map<String, Value> = serde_json::from_str(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        assert!(public_jwk_is_sound(&ed));
        assert_eq!(jwk_thumbprint(&jwk), None);
    }
}
