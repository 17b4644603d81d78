//! A DPoP client (RFC 9449) for the tests: a key pair, and proofs made with it, each field
//! of which a test can break.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A DPoP client: a key pair, and proofs made with it.
pub struct DpopClient {
    key: EncodingKey,
    /// The proof algorithm.
    pub alg: Algorithm,
    /// The public key, as proofs carry it.
    pub jwk: Jwk,
}

/// What a proof says; each test breaks one field.
pub struct Proof<'a> {
    /// `htm`.
    pub htm: &'a str,
    /// `htu`.
    pub htu: String,
    /// `iat`.
    pub iat: i64,
    /// `ath`.
    pub ath: Option<String>,
    /// `jti`.
    pub jti: String,
    /// `nonce`.
    pub nonce: Option<String>,
}

impl DpopClient {
    pub fn p256() -> Self {
        let pair = authx_cli::keygen::p256_pair().unwrap();
        let key = EncodingKey::from_ec_pem(pair.private_pem.as_bytes()).unwrap();
        Self::with(key, Algorithm::ES256)
    }

    pub fn ed25519() -> Self {
        let pair = authx_cli::keygen::ed25519_pair().unwrap();
        let key = EncodingKey::from_ed_pem(pair.private_pem.as_bytes()).unwrap();
        Self::with(key, Algorithm::EdDSA)
    }

    pub fn with(key: EncodingKey, alg: Algorithm) -> Self {
        authx::token::crypto_backend();
        let jwk = Jwk::from_encoding_key(&key, alg).unwrap();
        DpopClient { key, alg, jwk }
    }

    /// The RFC 7638 thumbprint, computed here independently of authx.
    pub fn jkt(&self) -> String {
        let jwk = serde_json::to_value(&self.jwk).unwrap();
        let canonical = match jwk["kty"].as_str().unwrap() {
            "EC" => json!({"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]}),
            "OKP" => json!({"crv": jwk["crv"], "kty": "OKP", "x": jwk["x"]}),
            other => panic!("{other}"),
        };
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.to_string().as_bytes()))
    }

    pub fn proof_for(&self, htm: &str, url: &str, token: Option<&str>) -> Proof<'static> {
        Proof {
            htm: if htm == "GET" { "GET" } else { "POST" },
            htu: url.to_owned(),
            iat: now(),
            ath: token.map(ath),
            jti: uuid::Uuid::new_v4().to_string(),
            nonce: None,
        }
    }

    pub fn sign(&self, p: &Proof<'_>) -> String {
        self.sign_with(p, |_| {})
    }

    pub fn sign_with(&self, p: &Proof<'_>, tweak: impl FnOnce(&mut Value)) -> String {
        let mut header = Header::new(self.alg);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        let mut claims = json!({ "jti": p.jti, "htm": p.htm, "htu": p.htu, "iat": p.iat });
        if let Some(ath) = &p.ath {
            claims["ath"] = ath.clone().into();
        }
        if let Some(nonce) = &p.nonce {
            claims["nonce"] = nonce.clone().into();
        }
        let mut header = serde_json::to_value(header).unwrap();
        tweak(&mut header);
        // Encode by hand, so a test can put anything in the header.
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{h}.{c}");
        let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &self.key, self.alg).unwrap();
        format!("{input}.{sig}")
    }
}

/// `ath`: the base64url SHA-256 of a token.
pub fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}
