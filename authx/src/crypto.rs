//! Comparing secrets: the one constant-time comparison every check of a client-sent secret
//! (CSRF values, DPoP hashes and thumbprints, nonces, client secrets) goes through.

/// Compares two secrets in constant time (for the length of the shorter; lengths may leak).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
