//! # authx
//!
//! Declarative JWT authentication and authorization for [axum], interoperable with Python
//! [AuthX](https://authx.yezz.me): access, refresh and fresh tokens, scopes with wildcards,
//! tokens from headers, cookies, query or JSON body, CSRF double submit for cookies,
//! revocation, and clean JSON errors.
//!
//! ```
//! use authx::{Auth, AuthConfig, Claims, FreshClaims};
//! use axum::{Json, Router, extract::State, routing::{get, post}};
//!
//! async fn login(State(auth): State<Auth>) -> Result<Json<authx::TokenPair>, authx::AuthError> {
//!     // ...check the password first...
//!     Ok(Json(auth.tokens().pair("user-1").fresh(true).scopes(["users:read"]).issue()?))
//! }
//!
//! async fn me(claims: Claims) -> String {
//!     format!("hello {}", claims.sub)
//! }
//!
//! async fn change_password(claims: FreshClaims) -> &'static str {
//!     "changed"
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
//! let app: Router = Router::new()
//!     .route("/login", post(login))
//!     .route("/me", get(me))
//!     .route("/password", post(change_password))
//!     .with_state(auth.clone());
//!
//! // Drive it without a server:
//! use tower::ServiceExt;
//! let token = auth.tokens().create_access("user-1").unwrap();
//! let req = http::Request::get("/me")
//!     .header("authorization", format!("Bearer {token}"))
//!     .body(axum::body::Body::empty())
//!     .unwrap();
//! let res = app.oneshot(req).await.unwrap();
//! assert_eq!(res.status(), 200);
//! # }
//! ```
//!
//! ## Errors
//!
//! Every refusal is an [`AuthError`] answered as JSON `{"message": ..., "error_type": ...}`.
//! `error_type` is Python AuthX's exception name where AuthX has one.
//!
//! | cause | status | `error_type` |
//! |---|---|---|
//! | no token in any configured location | 401 | `MissingTokenError` |
//! | malformed, wrong algorithm, too large, missing claim, `nbf`/`iat` in the future, unknown `kid` | 401 | `JWTDecodeError` |
//! | bad signature | 401 | `TokenInvalidSignatureError` |
//! | expired | 401 | `TokenExpiredError` |
//! | wrong `iss` | 401 | `TokenInvalidIssuerError` |
//! | wrong `aud` | 401 | `TokenInvalidAudienceError` |
//! | no token on a route that takes either type (`verify_type = false`) | 401 | `TokenRequiredError` |
//! | refresh token on an access route | 401 | `AccessTokenRequiredError` |
//! | access token on a refresh route | 401 | `RefreshTokenRequiredError` |
//! | non-fresh token on a fresh route | 401 | `FreshTokenRequiredError` |
//! | login older than `max_age`, or an `acr` the route does not take (RFC 9470 step-up) | 401 | `InsufficientUserAuthenticationError` |
//! | DPoP proof missing, invalid, stale or replayed (RFC 9449) | 401 | `InvalidDPoPProofError` |
//! | DPoP key binding: a bound token sent as bearer, a bearer token on a DPoP route, a proof of another key | 401 | `InvalidDPoPBindingError` |
//! | DPoP proof without a current server nonce (retry with `DPoP-Nonce`) | 401 | `UseDPoPNonceError` |
//! | cookie token, unsafe method, no CSRF header | 401 | `MissingCSRFTokenError` |
//! | CSRF header does not match | 401 | `CSRFError` |
//! | revoked token (or its session) | 401 | `RevokedTokenError` |
//! | refresh token presented a second time (its session is then revoked) | 401 | `RefreshTokenReusedError` |
//! | subject no longer exists | 401 | `SubjectNotFoundError` |
//! | missing scope | 403 | `InsufficientScopeError` |
//! | policy refused | 403 | `PolicyDeniedError` |
//! | policy failed to decide (returned an error, or panicked; detail logged) | 403 | `PolicyEvaluationError` |
//! | token of another user kind (`#[protect(kind = "...")]`) | 403 | `LoginTypeMismatchError` (+ `expected_type`, `actual_type`) |
//! | rate limit | 429 | `RateLimitExceeded` (+ `Retry-After`) |
//! | store down or slow | 503 | `StoreUnavailableError` |
//! | identity provider's keys unreachable, none cached (feature `jwks`) | 503 | `KeysUnavailableError` |
//! | vault token forged, tampered, expired or ambiguous (feature `vault`) | 401 | `InvalidVaultTokenError` |
//! | no vault token (feature `vault`) | 401 | `MissingTokenError` |
//! | server-side failure (detail logged, never sent) | 500 | `InternalError` |
//!
//! `401` and `403` answers carry `WWW-Authenticate: Bearer` with the RFC 6750 `error` code of
//! the refusal ([`AuthError::oauth_error`]; none when no token was presented), RFC 9470's
//! `insufficient_user_authentication` for freshness and step-up, and `resource_metadata`
//! when a [`resource`](config::OAuthConfig::resource) is configured ([`oauth`]).
//!
//! [axum]: https://docs.rs/axum
#![deny(missing_docs, unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod cache_size;
pub mod clock;
pub mod config;
pub mod cookies;
mod crypto;
#[cfg(feature = "oauth")]
pub mod dpop;
pub mod error;
pub mod extract;
pub mod guard;
#[doc = include_str!("../docs/declaring-auth.md")]
pub mod guide {}
#[cfg(feature = "jwks")]
pub mod jwks;
#[doc = include_str!("../docs/migrating-from-python-authx.md")]
pub mod migrating {}
pub mod layer;
pub mod metrics;
#[cfg(feature = "oauth")]
pub mod oauth;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod rate;
pub mod registry;
mod request;
pub mod store;
mod subject;
#[cfg(feature = "testing")]
pub mod testing;
pub mod token;
#[cfg(feature = "vault")]
pub mod vault;
mod wire;
#[cfg(feature = "ws")]
pub mod ws;

// `#[protect]` guards a handler, `#[public]` marks it open, `#[auth_subject]` makes a user type
// an extractor, `routes!` mounts marked handlers (docs in authx-macros).
pub use authx_macros::{auth_subject, protect, public, routes};

pub use auth::{
    Auth, AuthBuilder, Keys, MAX_SESSION_PAGE, RefusalHook, Revocations, SessionPage, Sessions,
    StoresInUse, Tokens,
};
pub use authx_spec::ScopeMode;
pub use cache_size::CacheSize;
pub use config::{Algorithm, AuthConfig, TokenLocation};
pub use cookies::SetCookies;
pub use error::{AuthError, ConfigError, ErrorBody, IssueError};
pub use extract::{
    FreshClaims, RefreshClaims, Rejection, RequestToken, SessionMeta, VerifyOptions,
};
pub use guard::{PolicyDecision, Rules};
#[cfg(feature = "jwks")]
pub use jwks::{IssuerConfig, JwksIssuer};
pub use store::{
    AllowlistStore, MemoryStore, RevocationStore, Session, SessionStore, StoreError, Stores,
};
pub use subject::AuthSubject;
pub use token::{Claims, Extra, TokenPair, TokenType, insecure_decode};
#[cfg(feature = "vault")]
pub use vault::{Vault, VaultConfig, VaultPayload};

#[doc(hidden)]
#[path = "macro_support/mod.rs"]
pub mod __private;
