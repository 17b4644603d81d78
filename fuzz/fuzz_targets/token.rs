//! The token decoder and verifier. Two kinds of input:
//! - raw bytes as a token, through every entry point that reads one (HS256 and ES256 engines,
//!   the plain JWT codec, the inspector);
//! - a header and a payload (split at the first newline) that the target signs with the HS256
//!   engine's own secret, so the fuzzer gets past the signature into the header, claim and
//!   time checks.
//!
//! Nothing may panic, and what verifies must verify again the same way and read back through
//! the inspector.
#![no_main]

use std::sync::OnceLock;

use authx::token::JwtCodec;
use authx::{Algorithm, Auth, AuthConfig};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-secret-0123456789abcdef0123456789";
const EC_PRIVATE: &str = include_str!("../../tests/fixtures/python_authx/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/python_authx/ec_public.pem");

struct Engines {
    hs: Auth,
    es: Auth,
    codec: JwtCodec,
}

fn engines() -> &'static Engines {
    static E: OnceLock<Engines> = OnceLock::new();
    E.get_or_init(|| {
        let hs = AuthConfig::builder().secret_key(SECRET).build();
        let es = AuthConfig::builder()
            .algorithm(Algorithm::ES256)
            .private_key(EC_PRIVATE)
            .public_key(EC_PUBLIC)
            .build();
        Engines {
            codec: JwtCodec::new(&hs).unwrap(),
            hs: Auth::new(hs).unwrap(),
            es: Auth::new(es).unwrap(),
        }
    })
}

fn signed(header: &[u8], payload: &[u8]) -> String {
    let message = format!("{}.{}", B64.encode(header), B64.encode(payload));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    format!("{message}.{}", B64.encode(mac.finalize().into_bytes()))
}

fn check(auth: &Auth, token: &str) {
    if let Ok(claims) = auth.verify(token) {
        let again = auth.verify(token).expect("verified once, verifies again");
        assert_eq!(claims, again);
        authx::insecure_decode(token).expect("what verifies, the inspector reads");
    }
}

fuzz_target!(|data: &[u8]| {
    let e = engines();
    match data.split_first() {
        Some((0, rest)) => {
            let (header, payload) = match rest.iter().position(|b| *b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (&br#"{"alg":"HS256","typ":"JWT"}"#[..], rest),
            };
            check(&e.hs, &signed(header, payload));
        }
        _ => {
            let Ok(token) = std::str::from_utf8(data) else {
                return;
            };
            check(&e.hs, token);
            check(&e.es, token);
            let _ = e.codec.decode::<serde_json::Value>(token);
            let _ = authx::insecure_decode(token);
        }
    }
});
