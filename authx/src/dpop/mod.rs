//! DPoP: sender-constrained tokens (RFC 9449).
//!
//! A DPoP-bound token carries `cnf.jkt`, the RFC 7638 thumbprint of a key the client holds,
//! and every request that uses it proves possession of that key with a `DPoP` header: a JWT
//! signed by the key (its public half in the header's `jwk`), naming the request's method
//! (`htm`) and URL (`htu`), when it was made (`iat`), a unique id (`jti`) and the hash of the
//! token (`ath`). A stolen token alone is then useless.
//!
//! In authx:
//! - a request with `Authorization: DPoP <token>` is verified with its proof on every route;
//!   `#[protect(dpop)]` routes accept nothing else;
//! - a DPoP-bound token sent as `Bearer` is refused everywhere;
//! - proofs are ES256, ES384, EdDSA, RS256 or PS256, `typ: dpop+jwt`, with a public `jwk`
//!   only; `iat` within [`dpop_max_age`](crate::config::OAuthConfig::dpop_max_age); `htu`
//!   compared with [`dpop_base_url`](crate::config::OAuthConfig::dpop_base_url) plus the path
//!   when set (behind a proxy), else with the `Host` header; each `jti` is accepted once, through
//!   the [`ReplayStore`](crate::store::ReplayStore) (apart from revocations, bounded on its
//!   own), so a replay is refused on every instance sharing it;
//! - a login that presents a proof gets tokens bound to its key:
//!   [`Auth::dpop_proof`](crate::Auth::dpop_proof), then `.dpop_jkt(&proof.jkt)` on the
//!   builders; refreshes keep the binding;
//! - optional server nonces ([`dpop_nonce`](crate::config::OAuthConfig::dpop_nonce)):
//!   a proof without a current nonce is refused with `use_dpop_nonce` and a `DPoP-Nonce`
//!   header to retry with.

mod nonce;
mod proof;

pub(crate) use nonce::NonceKey;
pub use proof::DpopProof;
pub(crate) use proof::{check_binding, verify_proof};

/// The proof algorithms accepted, as `algs` in challenges and
/// `dpop_signing_alg_values_supported` in the resource metadata.
pub const ALGORITHMS: &[&str] = crate::token::DPOP_ALGORITHMS;

pub use crate::token::CNF_CLAIM;
