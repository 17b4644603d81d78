//! The crypto backend that verifies and signs: jsonwebtoken's RustCrypto provider (feature
//! `rust-crypto`, the default: pure Rust, nothing to build but Rust) or its aws-lc-rs provider
//! (feature `aws-lc-rs`: several times faster RSA and ECDSA, built from C with a C compiler).
//! With both features on (feature unification), aws-lc-rs is used. HMAC (HS256/384/512) is
//! verified with RustCrypto's `hmac` on either backend, with keys prepared once (see
//! `jws.rs`). jsonwebtoken's own entry points (signing, JWK conversion) use its process-wide
//! default: ours unless the application installed another one first.

use jsonwebtoken::crypto::CryptoProvider;

#[cfg(not(any(feature = "rust-crypto", feature = "aws-lc-rs")))]
compile_error!(
    "authx needs a crypto backend: enable its `rust-crypto` feature (the default) or `aws-lc-rs`"
);

/// The selected provider. The first call also makes it jsonwebtoken's process default (unless
/// the application installed one), so jsonwebtoken's own entry points find one even when both
/// of its backends are compiled in.
pub(crate) fn provider() -> &'static CryptoProvider {
    #[cfg(feature = "aws-lc-rs")]
    let selected = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
    let selected = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
    static INSTALL: std::sync::Once = std::sync::Once::new();
    // An application that installed its own default keeps it; ours is used explicitly.
    INSTALL.call_once(|| {
        let _ = CryptoProvider::install_default(selected);
    });
    selected
}

/// The crypto backend tokens are signed and verified with: `aws-lc-rs` or `rust-crypto`
/// (features of the same names). Also makes it jsonwebtoken's process-wide default unless one
/// is installed: call it first in a program that uses jsonwebtoken itself with both backends
/// compiled in, where jsonwebtoken would otherwise find no default.
pub fn name() -> &'static str {
    provider();
    if cfg!(feature = "aws-lc-rs") {
        "aws-lc-rs"
    } else {
        "rust-crypto"
    }
}
