//! A provider's key set as verifiers: each JSON Web Key with the algorithms it may verify.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

const RSA_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// One published key, decoded once.
pub(crate) struct ProviderKey {
    pub kid: Option<String>,
    /// What the key may verify: its JWK `alg` when it names one, else what its type and curve
    /// allow, always within the issuer's accepted algorithms.
    pub algorithms: Vec<Algorithm>,
    pub key: DecodingKey,
    /// The JWK as published (its JSON), to tell a refetch of the same keys from new ones.
    pub source: String,
}

impl ProviderKey {
    /// The key, or why it is skipped: not a signing key, symmetric, an unknown type or curve,
    /// an `alg` its type cannot have, nothing in common with `accepted`, or bad numbers.
    pub fn from_jwk(jwk: &Jwk, accepted: &[Algorithm]) -> Result<Self, &'static str> {
        if jwk
            .common
            .public_key_use
            .as_ref()
            .is_some_and(|u| *u != PublicKeyUse::Signature)
        {
            return Err("not a signature key (`use`)");
        }
        if jwk
            .common
            .key_operations
            .as_ref()
            .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
        {
            return Err("not a verification key (`key_ops`)");
        }
        let by_type: &[Algorithm] = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => RSA_ALGORITHMS,
            AlgorithmParameters::EllipticCurve(p) => match p.curve {
                EllipticCurve::P256 => &[Algorithm::ES256],
                EllipticCurve::P384 => &[Algorithm::ES384],
                _ => return Err("unsupported EC curve"),
            },
            AlgorithmParameters::OctetKeyPair(p) => match p.curve {
                EllipticCurve::Ed25519 => &[Algorithm::EdDSA],
                _ => return Err("unsupported OKP curve"),
            },
            // Symmetric keys have no business in a public key set.
            AlgorithmParameters::OctetKey(_) => return Err("symmetric key"),
            _ => return Err("unsupported key type"),
        };
        let algorithms: Vec<Algorithm> = match jwk.common.key_algorithm {
            Some(named) => {
                let alg =
                    Algorithm::try_from(named).map_err(|_| "unsupported `alg` for a signature")?;
                if !by_type.contains(&alg) {
                    return Err("`alg` does not fit the key type");
                }
                vec![alg]
            }
            None => by_type.to_vec(),
        };
        let algorithms: Vec<Algorithm> = algorithms
            .into_iter()
            .filter(|a| accepted.contains(a))
            .collect();
        if algorithms.is_empty() {
            return Err("none of its algorithms is accepted");
        }
        let json = serde_json::to_value(jwk).ok();
        let sound = json
            .as_ref()
            .and_then(|v| v.as_object().map(crate::token::public_jwk_is_sound))
            .unwrap_or(false);
        if !sound {
            return Err("key parameters have the wrong sizes");
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|_| "key parameters do not decode")?;
        Ok(ProviderKey {
            kid: jwk.common.key_id.clone(),
            algorithms,
            key,
            source: json.map(|v| v.to_string()).unwrap_or_default(),
        })
    }

    pub fn allows(&self, alg: Algorithm) -> bool {
        self.algorithms.contains(&alg)
    }
}

/// The keys of a JWKS document that verify something, with the reasons others were skipped.
pub(crate) fn parse_key_set(
    body: &[u8],
    accepted: &[Algorithm],
) -> Result<(Vec<ProviderKey>, Vec<String>), String> {
    #[derive(serde::Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let raw: RawSet =
        serde_json::from_slice(body).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    for (i, value) in raw.keys.into_iter().enumerate() {
        let parsed = serde_json::from_value::<Jwk>(value)
            .map_err(|_| "not a JSON Web Key")
            .and_then(|jwk| ProviderKey::from_jwk(&jwk, accepted));
        match parsed {
            Ok(key) => keys.push(key),
            Err(why) => skipped.push(format!("keys[{i}]: {why}")),
        }
    }
    Ok((keys, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    fn default_algorithms() -> Vec<jsonwebtoken::Algorithm> {
        crate::jwks::config::DEFAULT_ALGORITHMS
            .iter()
            .map(|a| a.to_jwt())
            .collect()
    }

    fn jwk(v: serde_json::Value) -> Jwk {
        serde_json::from_value(v).unwrap()
    }

    const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    #[test]
    fn algorithms_from_type_alg_and_accepted_list() {
        let rsa = ProviderKey::from_jwk(
            &jwk(serde_json::json!({"kty": "RSA", "kid": "r", "n": N, "e": "AQAB"})),
            &default_algorithms(),
        )
        .unwrap();
        assert_eq!(rsa.algorithms, RSA_ALGORITHMS);
        assert!(!rsa.allows(Algorithm::HS256));
        let pinned = ProviderKey::from_jwk(
            &jwk(serde_json::json!({"kty": "RSA", "alg": "PS256", "n": N, "e": "AQAB"})),
            &default_algorithms(),
        )
        .unwrap();
        assert_eq!(pinned.algorithms, vec![Algorithm::PS256]);
        let refused = |v| ProviderKey::from_jwk(&jwk(v), &default_algorithms()).err();
        assert!(
            refused(serde_json::json!({"kty": "RSA", "alg": "HS256", "n": N, "e": "AQAB"}))
                .is_some()
        );
        assert!(refused(serde_json::json!({"kty": "oct", "k": "c2VjcmV0"})).is_some());
        assert!(
            refused(serde_json::json!({"kty": "RSA", "use": "enc", "n": N, "e": "AQAB"})).is_some()
        );
        assert!(
            ProviderKey::from_jwk(
                &jwk(serde_json::json!({"kty": "RSA", "n": N, "e": "AQAB"})),
                &[Algorithm::ES256]
            )
            .is_err()
        );
    }

    #[test]
    fn a_bad_key_does_not_spoil_the_set() {
        let body = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "good", "n": N, "e": "AQAB"},
            {"kty": "weird"},
            42
        ]});
        let (keys, skipped) =
            parse_key_set(body.to_string().as_bytes(), &default_algorithms()).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(skipped.len(), 2);
        assert!(parse_key_set(b"<html>", &default_algorithms()).is_err());
    }
}
