//! Comparing secrets: the one constant-time comparison every check of a client-sent secret
//! (CSRF values, DPoP hashes and thumbprints, nonces, client secrets, remembered tokens) goes
//! through.

/// Compares two secrets in constant time (for the length of the shorter; lengths may leak).
/// On the `constant_time_eq` crate: SIMD words with an optimisation barrier, so a
/// 300-byte token compares in tens of nanoseconds, where a byte at a time took hundreds.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    constant_time_eq::constant_time_eq(a, b)
}
