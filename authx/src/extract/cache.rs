//! The per-request cache of verified claims, kept in request extensions so a token is verified
//! once however many extractors (guard, `Claims`, subject) ask for it.

use std::sync::Arc;

use http::request::Parts;

use crate::token::{Claims, TokenType};

#[derive(Clone, Default)]
pub(crate) struct TokenCache {
    access: Option<Arc<Claims>>,
    refresh: Option<Arc<Claims>>,
    /// The type a route guard (`#[protect]`) verified: plain `Claims` then yields that token.
    guarded: Option<TokenType>,
}

pub(crate) fn get(parts: &Parts, token_type: TokenType) -> Option<Arc<Claims>> {
    let cache = parts.extensions.get::<TokenCache>()?;
    match token_type {
        TokenType::Access => cache.access.clone(),
        TokenType::Refresh => cache.refresh.clone(),
    }
}

pub(crate) fn put(parts: &mut Parts, token_type: TokenType, claims: Arc<Claims>) {
    let cache = parts.extensions.get_or_insert_default::<TokenCache>();
    match token_type {
        TokenType::Access => cache.access = Some(claims),
        TokenType::Refresh => cache.refresh = Some(claims),
    }
}

/// Records that a route guard verified a token of `token_type`.
pub(crate) fn mark_guarded(parts: &mut Parts, token_type: TokenType) {
    parts
        .extensions
        .get_or_insert_default::<TokenCache>()
        .guarded = Some(token_type);
}

/// The type a route guard verified, if any.
pub(crate) fn guarded(parts: &Parts) -> Option<TokenType> {
    parts.extensions.get::<TokenCache>().and_then(|c| c.guarded)
}
