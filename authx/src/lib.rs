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
//! Every refusal is an [`AuthError`] answered as JSON `{"message": ..., "error_type": ...}`,
//! with `error_type` Python AuthX's exception name where AuthX has one: the table of every
//! refusal, its status and `error_type` is [`guide::errors`].
//!
//! `401` and `403` answers carry `WWW-Authenticate: Bearer` with the RFC 6750 `error` code of
//! the refusal ([`AuthError::oauth_error`]; none when no token was presented), RFC 9470's
//! `insufficient_user_authentication` for freshness and step-up, and `resource_metadata`
//! when a [`resource`](config::OAuthConfig::resource) is configured (feature `oauth` serves
//! its metadata). Guards, layers and extractors refuse with a [`Rejection`], which the engine
//! renders; [`AuthBuilder::on_refusal`] renders every refusal your own way (AuthX's `MSG_*`
//! texts, a body of your own, a `403` answered as `404`).
//!
//! [axum]: https://docs.rs/axum
#![deny(missing_docs, unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api_key;
mod auth;
#[cfg(feature = "authz")]
pub mod authz;
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
pub mod guide;
#[cfg(feature = "jwks")]
pub mod jwks;
#[doc = include_str!("../docs/migrating-from-python-authx.md")]
pub mod migrating {}
pub mod layer;
pub mod metrics;
#[cfg(feature = "mfa")]
pub mod mfa;
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
    ApiKeyBuilder, ApiKeys, Auth, AuthBuilder, Keys, MAX_SESSION_PAGE, RefusalHook, Revocations,
    SessionPage, Sessions, StoresInUse, Tokens,
};
pub use authx_spec::ScopeMode;
pub use cache_size::CacheSize;
pub use config::{Algorithm, AuthConfig, TokenLocation};
pub use cookies::SetCookies;
pub use error::{AuthError, ConfigError, ErrorBody, IssueError};
pub use extract::{
    Credential, FreshClaims, Principal, RefreshClaims, Rejection, RequestToken, SessionMeta,
    VerifyOptions,
};
pub use guard::{PolicyDecision, Rules};
#[cfg(feature = "jwks")]
pub use jwks::{IssuerConfig, JwksIssuer};
pub use store::{
    AllowlistStore, ApiKeyRecord, ApiKeyStore, MemoryStore, RevocationStore, Session, SessionStore,
    StoreError, Stores,
};
pub use subject::AuthSubject;
pub use token::{Claims, Extra, TokenPair, TokenType, insecure_decode};
#[cfg(feature = "vault")]
pub use vault::{Vault, VaultConfig, VaultPayload};

#[doc(hidden)]
#[path = "macro_support/mod.rs"]
pub mod __private;
