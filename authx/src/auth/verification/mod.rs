//! The one verification path. Every door that accepts a credential (a route guard, an
//! `AuthLayer`, `Auth::enforce`, the extractors, the manual API, `verify_unrevoked`,
//! `authenticate`, `rotate`, the implicit refresh, a WebSocket's re-checks, introspection)
//! builds a [`Verification`], a value saying what to check, and runs it with [`Auth::run`].
//! No door calls a step itself: each step has one call site, here, and they run in one order:
//!
//! 1. **source**: the token (or API key) located in the request (the door's own locations,
//!    in its order), or given, or claims a door already decoded; a located credential this
//!    request already verified (same bytes, place and scheme) comes from the request's cache
//!    with the checks it passed, and only what this door adds runs again;
//! 2. **signature and claims** (`token/codec.rs`, or the identity provider its `iss` names),
//!    or for an API key (on a route that takes keys) the key step (`auth/api_key/`), whose
//!    claims every later step takes as a token's (where the key store is the revocation store
//!    and rate limiter, its round trip also answers step 6); decoded claims of a key (a
//!    WebSocket's) have their record read again there, which stands in for the allowlist;
//! 3. **type**;
//! 4. **CSRF** for a cookie-borne token on a protected method (double submit, constant time);
//! 5. **DPoP**: a `DPoP`-scheme token's proof and binding, its `jti` recorded once; a bound
//!    token never as a bearer;
//! 6. **liveness**: the token and its family not revoked, its session not ended, a refresh
//!    token its family's live one (a retired one is reuse: its family is revoked, unless the
//!    question is a read), then the **allowlist**; with a rate limit keyed by the token's
//!    subject, "live and within rate" is one call, one store round trip where the rate limiter
//!    holds the revocations (Redis), two in the same order elsewhere;
//! 7. a located token is **cached** with the checks it passed;
//! 8. **freshness**, last: a retired refresh token presented where a fresh token of either
//!    type is wanted is reuse (step 6) before it is anything else.

mod run;

use std::sync::Arc;

use http::Method;

use crate::config::TokenLocation;
use crate::error::AuthError;
use crate::guard::{Credentials, RateRule};
use crate::rate::RateDecision;
use crate::token::{Claims, TokenType};

/// What to check of one credential. Built by a door, run by [`Auth::run`].
#[derive(Clone, Copy)]
pub(crate) struct Verification<'a> {
    pub(crate) source: Source<'a>,
    /// The type the token must have; `None` accepts either.
    pub(crate) expect: Option<TokenType>,
    pub(crate) fresh: bool,
    pub(crate) csrf: Csrf<'a>,
    pub(crate) dpop: Dpop,
    pub(crate) live: Live,
    /// In allowlist mode, the token must be on the allowlist.
    pub(crate) allowlist: bool,
    /// A rate limit charged with the liveness check ("live and within rate").
    pub(crate) rate: Option<RateCharge<'a>>,
}

impl<'a> Verification<'a> {
    /// Everything a token held outside a request must pass: signature and claims, not bound
    /// to a DPoP key (there is no proof), live, allowlisted. Doors add their type and checks.
    pub(crate) fn given(token: &'a str) -> Self {
        Verification {
            source: Source::Given(token),
            expect: None,
            fresh: false,
            csrf: Csrf::Off,
            dpop: Dpop::MustNotBeBound,
            live: Live::Enforce,
            allowlist: true,
            rate: None,
        }
    }

    /// [`given`](Self::given), for claims whose signature a door verified already.
    pub(crate) fn decoded(claims: &'a Claims) -> Self {
        Verification {
            source: Source::Decoded(claims),
            ..Self::given("")
        }
    }
}

/// Where the credential comes from.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    /// Found in the request: the token of `token_type` in `locations` (else the configured
    /// ones), in order. No token is `missing`.
    Located {
        locations: Option<&'a [TokenLocation]>,
        token_type: TokenType,
        missing: fn() -> AuthError,
        /// The kinds taken: a bearer token in `locations`, an API key in its header, or
        /// either (both at once is refused).
        credentials: Credentials,
    },
    /// A token the caller holds (the manual API, `verify_unrevoked`, `authenticate`).
    Given(&'a str),
    /// Claims whose signature a door already verified (`rotate`'s refresh claims, the implicit
    /// refresh's expiring token, a WebSocket's token at each re-check).
    Decoded(&'a Claims),
}

/// The CSRF double-submit check.
#[derive(Clone, Copy)]
pub(crate) enum Csrf<'a> {
    Off,
    /// Of a located cookie token, against this request's header and method.
    Request,
    /// Of a cookie token found earlier (the manual API): the header value it came with and
    /// its request's method.
    Given {
        method: &'a Method,
        header: Option<&'a [u8]>,
    },
}

/// The DPoP step (RFC 9449).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dpop {
    /// A located token: with the `DPoP` scheme, its proof must verify and match its binding;
    /// as a bearer token, it must not be bound. `required`: only the `DPoP` scheme is taken.
    Proof { required: bool },
    /// No proof can be had (no request, or not this token's): a bound token is refused.
    MustNotBeBound,
    /// Nobody presents the token here: introspection reports its binding (`cnf`) to a client,
    /// and rotation carries it into the new pair.
    NotChecked,
}

/// The liveness step.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Live {
    /// Revocation, family, session end, retirement; a retired refresh token is reuse and
    /// revokes its family.
    Enforce,
    /// The same questions as a read (introspection): a retired token is only not live.
    #[cfg_attr(not(any(feature = "oauth", feature = "ws")), allow(dead_code))]
    ReadOnly,
    /// Not asked (a cache hit: this request found the token live already).
    Skip,
}

/// A rate limit keyed by the token's subject or a custom key, on a route.
#[derive(Clone, Copy)]
pub(crate) struct RateCharge<'a> {
    pub(crate) route: &'a str,
    pub(crate) rule: &'a RateRule,
}

/// A credential that passed.
#[derive(Debug)]
pub(crate) struct Passed {
    pub(crate) claims: Arc<Claims>,
    /// The rate decision of [`Verification::rate`].
    pub(crate) rate: Option<RateDecision>,
    /// It came from the request's cache: this request already decided on it.
    pub(crate) cached: bool,
}

/// A credential refused: the error, and the claims when its signature verified first (so a
/// decision event names the subject).
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) error: AuthError,
    pub(crate) claims: Option<Arc<Claims>>,
}

impl From<AuthError> for Refusal {
    fn from(error: AuthError) -> Self {
        Refusal {
            error,
            claims: None,
        }
    }
}

/// Steps 3 (type) and 8 (freshness); both for a guard's token a later extractor takes as is.
pub(crate) fn check_claims(
    expect: Option<TokenType>,
    fresh: bool,
    claims: &Claims,
) -> Result<(), AuthError> {
    if let Some(expected) = expect
        && claims.token_type != expected
    {
        return Err(match expected {
            TokenType::Access => AuthError::AccessTokenRequired,
            TokenType::Refresh => AuthError::RefreshTokenRequired,
        });
    }
    if fresh && !claims.fresh {
        return Err(AuthError::FreshTokenRequired);
    }
    Ok(())
}
