//! Rate limiting: `#[protect(rate = "10/60s")]`, `#[public(rate = "5/60s")]`.
//!
//! **Algorithm: GCRA** (the generic cell rate algorithm, a leaky bucket kept as one timestamp per
//! key). A rule of `N/window` lets a client burst up to `N` requests, then refills one request
//! every `window / N`. Chosen over fixed windows (which allow `2N` across a window boundary)
//! and sliding logs (memory per request): it is exact, keeps O(1) state per key, and needs one
//! atomic read-modify-write per decision, which Redis runs as a single server-side script.
//! Under a burst of concurrent requests exactly `N` pass. [`RateLimiter::peek`] reads the same
//! decision without recording the request (the OAuth endpoints count only failed client
//! authentications, yet refuse every call once those are exhausted).
//!
//! **Keys**: `ip` (the socket peer; the one configured forwarding header, `X-Forwarded-For` by
//! default, only when the peer is one of
//! [`AuthConfig::trusted_proxies`](crate::AuthConfig::trusted_proxies), since trusting it
//! blindly lets any client pick its own key: see [`Forwarding`]; IPv6 clients share a bucket
//! per [`ipv6_prefix`](crate::AuthConfig::ipv6_prefix) network, `/64` by default), `subject`
//! (the token's `sub`; the IP on public routes), or a function
//! `fn(&Parts, Option<&Claims>) -> String` (a key over 128 bytes is hashed, so a client cannot
//! make the limiter store arbitrary strings). Each route has its own buckets: a `#[protect]`
//! route's marker, or the matched route template for [`Auth::enforce`](crate::Auth::enforce)
//! (never the raw path, which a client could vary to get fresh buckets).
//!
//! **Order**: `ip` limits run **before** the token is verified, so a flood of bad tokens is
//! limited too. `subject` and custom limits need the verified claims, so they run after; a
//! request whose token fails verification is then charged to its IP in the same rule, so bad
//! tokens still cannot flood the route.
//!
//! **Responses**: over the limit, `429` with `Retry-After` and JSON
//! `{"message", "error_type": "RateLimitExceeded", "retry_after"}`; every response of a limited
//! route carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (IETF draft
//! fields, seconds).
//!
//! **Backends**: [`MemoryRateLimiter`] (per process, bounded, idle keys evicted) and, with the
//! `redis` feature, the Redis store (exact across instances; Redis's clock decides, so instance
//! clocks need not agree). A limiter failure follows
//! [`store_fail_open`](crate::AuthConfig::store_fail_open).

mod client_ip;

use http::{HeaderMap, HeaderValue};

pub use crate::store::rate::{MemoryRateLimiter, RateDecision, RateLimiter, Unrevoked};
pub use client_ip::{ClientIp, Forwarding, TrustedProxies};

impl RateDecision {
    /// Adds `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds, rounded up).
    pub fn apply_headers(&self, headers: &mut HeaderMap) {
        headers.insert("ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert(
            "ratelimit-reset",
            HeaderValue::from(crate::clock::ceil_secs(self.reset)),
        );
    }
}
