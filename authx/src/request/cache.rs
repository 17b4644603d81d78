//! The per-request cache of verified credentials, kept in request extensions so a token or an
//! API key is verified once however many guards, layers and extractors ask for it.
//!
//! An entry is a token (its exact bytes), where it was found and with which scheme, and the
//! token-level checks it passed: signature and claims, the DPoP proof of a `DPoP`-scheme token,
//! liveness (revocation, family, allowlist) and, when they ran, the CSRF double-submit check for
//! this request's method. An API key's entry holds what its key step passed: its record, its
//! address, its own rate limit (charged once per request) and its liveness. A later check reuses an entry only for the *same* token found in the
//! *same* place by its own rules (its own locations, in its own order): a layer that read a
//! cookie never answers for a route that reads only headers. Whatever the later rules ask
//! beyond what the entry passed (type, CSRF, the DPoP scheme, then freshness, scopes, policy)
//! is checked again.

use std::sync::Arc;

use http::request::Parts;

use crate::config::TokenLocation;
use crate::token::{Claims, TokenType};

/// Tokens verified during this request (usually one; at most one per token found).
#[derive(Clone, Default)]
pub(crate) struct TokenCache {
    /// The first token inline (a request usually has one: no second allocation), the others
    /// after it.
    first: Option<Entry>,
    more: Vec<Entry>,
    /// The token a route guard (`#[protect]`, `AuthLayer`, `Auth::enforce`) last let through:
    /// plain `Claims` yields it, and typed extractors of its type reuse it.
    guarded: Option<Arc<Claims>>,
}

impl TokenCache {
    fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.first.iter().chain(self.more.iter())
    }
}

/// Where a credential was found: a token in one of its locations (with the `DPoP` scheme or
/// not), or an API key in the configured key transport.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Token { location: TokenLocation, dpop: bool },
    ApiKey,
}

impl Place {
    /// A token sent as a cookie (the CSRF double-submit check applies).
    pub(crate) fn is_cookie(self) -> bool {
        matches!(
            self,
            Place::Token {
                location: TokenLocation::Cookies,
                ..
            }
        )
    }

    /// A token sent with the `DPoP` scheme.
    pub(crate) fn is_dpop(self) -> bool {
        matches!(self, Place::Token { dpop: true, .. })
    }
}

/// One verified credential and the checks it passed.
#[derive(Clone)]
struct Entry {
    token: Box<str>,
    place: Place,
    claims: Arc<Claims>,
    /// The CSRF check passed for this request's method.
    csrf: bool,
}

/// A cache hit: the claims of the located token, and whether the CSRF check already passed.
pub(crate) struct Hit {
    pub(crate) claims: Arc<Claims>,
    pub(crate) csrf_passed: bool,
}

/// The entry for exactly this located credential (same bytes, place and scheme), if this
/// request verified it already: signature, claims, DPoP proof and liveness held then (for a
/// key, its key step).
pub(crate) fn get(parts: &Parts, token: &str, place: Place) -> Option<Hit> {
    let cache = parts.extensions.get::<TokenCache>()?;
    cache
        .entries()
        .find(|e| e.place == place && *e.token == *token)
        .map(|e| Hit {
            claims: e.claims.clone(),
            csrf_passed: e.csrf,
        })
}

/// Records a verified, live credential found at `place`.
pub(crate) fn put(parts: &mut Parts, token: &str, place: Place, claims: Arc<Claims>, csrf: bool) {
    let cache = parts.extensions.get_or_insert_default::<TokenCache>();
    match cache
        .first
        .iter_mut()
        .chain(cache.more.iter_mut())
        .find(|e| e.place == place && *e.token == *token)
    {
        Some(entry) => entry.csrf |= csrf,
        None => {
            let entry = Entry {
                token: token.into(),
                place,
                claims,
                csrf,
            };
            match &mut cache.first {
                None => cache.first = Some(entry),
                Some(_) => cache.more.push(entry),
            }
        }
    }
}

/// Records that a route guard let this token through.
pub(crate) fn mark_guarded(parts: &mut Parts, claims: Arc<Claims>) {
    parts
        .extensions
        .get_or_insert_default::<TokenCache>()
        .guarded = Some(claims);
}

/// The token a route guard let through, if any.
pub(crate) fn guarded(parts: &Parts) -> Option<Arc<Claims>> {
    parts
        .extensions
        .get::<TokenCache>()
        .and_then(|c| c.guarded.clone())
}

/// The guard's token when it is of `token_type`.
pub(crate) fn guarded_of(parts: &Parts, token_type: TokenType) -> Option<Arc<Claims>> {
    guarded(parts).filter(|c| c.token_type == token_type)
}
