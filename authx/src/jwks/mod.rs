//! Tokens from identity providers (cargo feature `jwks`): verify the access tokens of one or
//! more OpenID Connect providers (Keycloak, Auth0, Entra ID, Cognito, Google, Dex...) next to
//! this service's own tokens, with the keys each provider publishes as a JSON Web Key Set.
//!
//! ```
//! use authx::jwks::IssuerConfig;
//! use authx::{Auth, AuthConfig};
//!
//! let auth = Auth::builder(AuthConfig::builder().secret_key("k".repeat(32)).build())
//!     // keys found by discovery: {issuer}/.well-known/openid-configuration → jwks_uri
//!     .issuer(
//!         IssuerConfig::builder("https://sso.example.com/realms/shop")
//!             .audience("orders-api")
//!             .role_claim("realm_access.roles")
//!             .role_scope("admin", "admin:*")
//!             .build(),
//!     )
//!     // or a JWKS address given outright
//!     .issuer(
//!         IssuerConfig::builder("https://tenant.eu.auth0.com/")
//!             .jwks_url("https://tenant.eu.auth0.com/.well-known/jwks.json")
//!             .audience("https://orders.example.com")
//!             .build(),
//!     )
//!     .build()
//!     .unwrap();
//! # drop(auth);
//! ```
//!
//! ## How a token is verified
//!
//! The request pipeline takes an unverified look at the token's `iss`. When it names a
//! configured issuer, that issuer verifies the token; otherwise this service's own keys do,
//! exactly as without this feature. The issuer:
//!
//! 1. accepts only its configured algorithms (default: RS/PS 256-512, ES256, ES384, EdDSA;
//!    never HS*, never `none`);
//! 2. picks the key by `kid` (every key when the token names none); each key verifies only the
//!    algorithms its JWK allows (`alg` when present, else what `kty`/`crv` allow);
//! 3. checks the signature, then `iss` (equal), `aud` (names a configured audience), `exp`
//!    (required), `nbf` and `iat`, with the issuer's leeway;
//! 4. maps the claims onto [`Claims`](crate::Claims): `sub` from
//!    [`subject_claim`](ClaimsMapping::subject_claim), namespaced by
//!    [`subject_prefix`](ClaimsMapping::subject_prefix) (the issuer and `|` by default), so a
//!    provider's user never shares a session, a revocation, an allowlist entry or a rate
//!    bucket with a local user of the same name; `jti` as sent, or a hash of the signed
//!    `header.payload` when absent (revocation still works, and reaches the token's ECDSA
//!    twin, whose signature differs), under the same prefix (token ids key revocations: a
//!    provider's never names a local token or session); type `access`, not fresh; scopes from `scope`
//!    (space-separated) and `scp` (list or string) plus the mapped roles; the other claims as
//!    extra data, with the [`login_type_claim`](ClaimsMapping::login_type_claim) as
//!    `login_type`.
//!
//! The rest of the pipeline is unchanged: token type, CSRF, revocation, the per-request cache,
//! and `#[protect(scopes = "...")]` all apply to provider tokens.
//!
//! ## Keys: cache, refresh, failure
//!
//! Keys are fetched when the [`Auth`](crate::Auth) is built (inside a Tokio runtime), every
//! [`refresh_interval`](IssuerConfig::refresh_interval) (10 min) by a background task that ends
//! with the `Auth`, and when a token names an unknown `kid`, at most once per
//! [`min_refetch_interval`](IssuerConfig::min_refetch_interval) (30 s), so a flood of made-up
//! `kid`s cannot turn into a flood of requests to the provider. Concurrent misses wait for one
//! fetch. A fetch is bounded by [`fetch_timeout`](IssuerConfig::fetch_timeout) (2 s).
//!
//! | situation | answer |
//! |---|---|
//! | provider down, keys cached | tokens keep verifying with the cached keys |
//! | provider down, nothing ever fetched | `503 KeysUnavailableError`, within the fetch timeout |
//! | `kid` still unknown after a refetch (or refetch rate-limited) | `401 JWTDecodeError` |
//! | key removed from the provider's set | refused once a fetch saw the new set |
//!
//! A successful fetch replaces the whole set; a set with no usable signature key counts as a
//! failed fetch. Key URLs must be HTTPS, except on loopback hosts (or with
//! [`allow_insecure_http`](IssuerConfig::allow_insecure_http)). Fetching uses hyper and rustls
//! with the *ring* provider (system roots, else Mozilla's), chosen explicitly: nothing
//! process-wide is installed.

mod claims;
mod config;
mod fetch;
mod issuer;
mod issuers;
mod keys;

pub use config::{ClaimsMapping, DEFAULT_ALGORITHMS, IssuerConfig, IssuerConfigBuilder};
pub use issuer::JwksIssuer;

pub(crate) use issuers::Issuers;
