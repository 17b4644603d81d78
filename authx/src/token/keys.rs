//! Signing and verification keys, decoded once when [`Auth`](crate::Auth) is built.

use jsonwebtoken::{AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};

use super::Algorithm;
use crate::config::{AuthConfig, ConfigError, KeySource, Secret};

/// The key that signs new tokens, with its header prepared.
pub(crate) struct Signer {
    pub key: EncodingKey,
    pub header: Header,
}

/// A key that verifies tokens of exactly one algorithm.
pub(crate) struct Verifier {
    pub kid: Option<String>,
    pub algorithm: Algorithm,
    pub key: DecodingKey,
    /// The same key prepared for HMAC algorithms: verifying then only hashes the message.
    pub hmac: Option<super::jws::HmacKey>,
    pub validation: Validation,
}

/// The current signer (absent for verify-only services) and every verifier, current first.
pub(crate) struct KeySet {
    pub signer: Option<Signer>,
    pub verifiers: Vec<Verifier>,
    /// Whether any verifier has a `kid`: then a token's `kid` must name one of them.
    pub uses_kids: bool,
    /// Signatures these keys verified (set by the codec; a reloaded key set starts empty, so
    /// nothing a retired key signed stays verified).
    pub cache: Option<super::verified_cache::VerifiedCache>,
}

impl KeySet {
    pub fn load(config: &AuthConfig) -> Result<Self, ConfigError> {
        super::backend::provider();
        if let Some(path) = &config.keys_file {
            let file = super::KeyFile::load(path).map_err(|e| ConfigError::KeyFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            return Self::from_file(&file);
        }
        let alg = config.algorithm;
        let name = alg.to_string();
        let mut current_secret = None;
        let (signer_key, current) = match family(alg) {
            AlgorithmFamily::Hmac => {
                let secret = hmac_secret(config.secret_key.as_ref(), &name)?;
                current_secret = Some(secret);
                (
                    Some(EncodingKey::from_secret(secret)),
                    DecodingKey::from_secret(secret),
                )
            }
            fam => {
                let public = config.public_key.as_ref().ok_or(ConfigError::MissingKey {
                    algorithm: name.clone(),
                    which: "public",
                })?;
                let decoding = decoding_key(fam, public, &name, "public")?;
                let encoding = config
                    .private_key
                    .as_ref()
                    .map(|k| encoding_key(fam, k, &name))
                    .transpose()?;
                (encoding, decoding)
            }
        };
        // An asymmetric key without a configured `kid` is named by its RFC 7638 thumbprint, so
        // every token names its key and the JWK Set can be matched against it.
        let kid = config.key_id.clone().or_else(|| derived_kid(&current, alg));
        let mut verifiers = vec![verifier(kid.clone(), alg, current, current_secret)];
        for (i, prev) in config.previous_keys.iter().enumerate() {
            let palg = prev.algorithm.unwrap_or(alg);
            let pname = palg.to_string();
            let which = format!("previous_keys[{i}]");
            let mut secret = None;
            let key = match family(palg) {
                AlgorithmFamily::Hmac => {
                    let s = hmac_secret(prev.secret_key.as_ref(), &pname)?;
                    secret = Some(s);
                    DecodingKey::from_secret(s)
                }
                fam => {
                    let src = prev
                        .public_key
                        .as_ref()
                        .ok_or_else(|| ConfigError::Invalid {
                            field: "previous_keys",
                            reason: format!("{which} uses {pname} and needs `public_key`"),
                        })?;
                    decoding_key(fam, src, &pname, &which)?
                }
            };
            let pkid = prev.kid.clone().or_else(|| derived_kid(&key, palg));
            verifiers.push(verifier(pkid, palg, key, secret));
        }
        let uses_kids = verifiers.iter().any(|v| v.kid.is_some());
        let signer = signer_key.map(|key| {
            let mut header = Header::new(alg.to_jwt());
            header.kid = kid;
            Signer { key, header }
        });
        let keys = KeySet {
            signer,
            verifiers,
            uses_kids,
            cache: None,
        };
        keys.self_test(&name)?;
        Ok(keys)
    }

    /// The keys of a [`KeyFile`](super::KeyFile): the current one signs; current, next and
    /// previous verify, each by its `kid`.
    pub fn from_file(file: &super::KeyFile) -> Result<Self, ConfigError> {
        super::backend::provider();
        let alg: Algorithm = file.algorithm.parse().map_err(|e| ConfigError::Invalid {
            field: "keys_file",
            reason: format!("{e}"),
        })?;
        let name = alg.to_string();
        let fam = family(alg);
        if fam == AlgorithmFamily::Hmac {
            return Err(ConfigError::Invalid {
                field: "keys_file",
                reason: format!("{name} is an HMAC algorithm: a key file holds asymmetric keys"),
            });
        }
        let pem = |s: &str| KeySource::Pem(s.to_owned());
        let signer_key = encoding_key(fam, &pem(&file.current.private_key), &name)?;
        let mut verifiers = Vec::new();
        let mut kids: Vec<&str> = Vec::new();
        let entries = [
            (&file.current.kid, &file.current.public_key, "current"),
            (&file.next.kid, &file.next.public_key, "next"),
        ]
        .into_iter()
        .chain(
            file.previous
                .iter()
                .map(|k| (&k.kid, &k.public_key, "previous")),
        );
        for (kid, public, which) in entries {
            if kid.is_empty() || kids.contains(&kid.as_str()) {
                return Err(ConfigError::Invalid {
                    field: "keys_file",
                    reason: format!("the {which} key's kid {kid:?} is empty or not unique"),
                });
            }
            kids.push(kid);
            let key = decoding_key(fam, &pem(public), &name, &format!("{which} ({kid})"))?;
            verifiers.push(verifier(Some(kid.clone()), alg, key, None));
        }
        let mut header = Header::new(alg.to_jwt());
        header.kid = Some(file.current.kid.clone());
        let keys = KeySet {
            signer: Some(Signer {
                key: signer_key,
                header,
            }),
            verifiers,
            uses_kids: true,
            cache: None,
        };
        keys.self_test(&name)?;
        // The next key must be usable the moment a rotation makes it current.
        let next = encoding_key(fam, &pem(&file.next.private_key), &name)?;
        let probe = jsonwebtoken::encode(&Header::new(alg.to_jwt()), &serde_json::json!({}), &next)
            .map_err(|e| ConfigError::BadKey {
                algorithm: name.clone(),
                which: "next".into(),
                reason: e.to_string(),
            })?;
        jsonwebtoken::decode::<serde_json::Value>(
            &probe,
            &keys.verifiers[1].key,
            &keys.verifiers[1].validation,
        )
        .map_err(|e| ConfigError::BadKey {
            algorithm: name.clone(),
            which: "next".into(),
            reason: format!("its private key does not match its public key ({e})"),
        })?;
        Ok(keys)
    }

    /// The public keys as JWKs (RFC 7517), each with `kid`, `alg` and `use: sig`; none for
    /// HMAC keys, which are secrets.
    pub fn public_jwks(&self) -> Vec<serde_json::Value> {
        self.verifiers
            .iter()
            .filter(|v| family(v.algorithm) != AlgorithmFamily::Hmac)
            .filter_map(|v| {
                let jwk =
                    jsonwebtoken::jwk::Jwk::from_decoding_key(&v.key, Some(v.algorithm.to_jwt()))
                        .ok()?;
                let mut json = serde_json::to_value(jwk).ok()?;
                let obj = json.as_object_mut()?;
                if let Some(kid) = &v.kid {
                    obj.insert("kid".into(), kid.clone().into());
                }
                obj.insert("use".into(), "sig".into());
                Some(json)
            })
            .collect()
    }

    /// Signs and verifies a probe, so a private key that does not match its public key (or an
    /// EC key on the wrong curve) fails at start-up rather than on the first login.
    fn self_test(&self, name: &str) -> Result<(), ConfigError> {
        let Some(signer) = &self.signer else {
            return Ok(());
        };
        let probe = serde_json::json!({ "probe": true });
        let bad = |reason: String| ConfigError::BadKey {
            algorithm: name.to_owned(),
            which: "private".into(),
            reason,
        };
        let token = jsonwebtoken::encode(&signer.header, &probe, &signer.key)
            .map_err(|e| bad(e.to_string()))?;
        let current = &self.verifiers[0];
        jsonwebtoken::decode::<serde_json::Value>(&token, &current.key, &current.validation)
            .map(|_| ())
            .map_err(|e| bad(format!("it does not match the public key ({e})")))
    }
}

/// The RFC 7638 thumbprint of a public key, as its `kid`; `None` for HMAC secrets.
fn derived_kid(key: &DecodingKey, alg: Algorithm) -> Option<String> {
    if family(alg) == AlgorithmFamily::Hmac {
        return None;
    }
    let jwk = jsonwebtoken::jwk::Jwk::from_decoding_key(key, Some(alg.to_jwt())).ok()?;
    let json = serde_json::to_value(jwk).ok()?;
    super::jwk_thumbprint(json.as_object()?)
}

fn family(alg: Algorithm) -> AlgorithmFamily {
    alg.to_jwt().family()
}

fn hmac_secret<'a>(secret: Option<&'a Secret>, name: &str) -> Result<&'a [u8], ConfigError> {
    let secret = secret
        .map(Secret::expose)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ConfigError::MissingSecret(name.to_owned()))?;
    if secret.len() < 32 {
        tracing::warn!(
            algorithm = name,
            "the HMAC secret is shorter than 32 bytes; use at least 32 random bytes in production"
        );
    }
    Ok(secret.as_bytes())
}

fn decoding_key(
    fam: AlgorithmFamily,
    src: &KeySource,
    name: &str,
    which: &str,
) -> Result<DecodingKey, ConfigError> {
    let pem = src.read()?;
    let r = match fam {
        AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(&pem),
        AlgorithmFamily::Ec => DecodingKey::from_ec_pem(&pem),
        AlgorithmFamily::Ed => DecodingKey::from_ed_pem(&pem),
        AlgorithmFamily::Hmac => unreachable_hmac(),
    };
    r.map_err(|e| ConfigError::BadKey {
        algorithm: name.to_owned(),
        which: which.to_owned(),
        reason: e.to_string(),
    })
}

fn encoding_key(
    fam: AlgorithmFamily,
    src: &KeySource,
    name: &str,
) -> Result<EncodingKey, ConfigError> {
    let pem = src.read()?;
    let r = match fam {
        AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(&pem),
        AlgorithmFamily::Ec => EncodingKey::from_ec_pem(&pem),
        AlgorithmFamily::Ed => EncodingKey::from_ed_pem(&pem),
        AlgorithmFamily::Hmac => unreachable_hmac(),
    };
    r.map_err(|e| ConfigError::BadKey {
        algorithm: name.to_owned(),
        which: "private".into(),
        reason: e.to_string(),
    })
}

/// HMAC keys never come from PEM; callers branch on the family first.
fn unreachable_hmac<T>() -> Result<T, jsonwebtoken::errors::Error> {
    Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into())
}

fn verifier(
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
    secret: Option<&[u8]>,
) -> Verifier {
    // jsonwebtoken checks signature and algorithm only; authx checks every claim itself
    // (AuthX's float dates, its error names, leeway on iat).
    let mut validation = Validation::new(algorithm.to_jwt());
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation.leeway = 0;
    Verifier {
        kid,
        algorithm,
        hmac: secret.and_then(|s| super::jws::HmacKey::new(algorithm.to_jwt(), s)),
        key,
        validation,
    }
}
