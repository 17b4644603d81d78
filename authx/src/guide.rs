//! The reference, one page per topic. The README is the front door; these pages are the
//! manual. Their examples are compiled (and most run) as doc tests.
//!
//! | page | what it covers |
//! |---|---|
//! | [`overview`] | the quickstart service step by step, and a picture of the request path |
//! | [`declaring_auth`] | `#[protect]`, `#[public]`, `#[auth_subject]`, `routes!`, the compile errors, the registry |
//! | [`extractors`] | `Claims`, `FreshClaims`, `RefreshClaims`, the manual API, cookies, the claims and Python AuthX |
//! | [`configuration`] | `AuthConfig`, its builder and every `AUTHX_*` environment variable |
//! | [`errors`] | the one error table: every refusal, its status and `error_type` |
//! | [`stores`] | revocation, sessions, refresh rotation, the stores and their consistency |
//! | [`rate_limiting`] | rate specs, keys, backends, headers |
//! | [`api_keys`] | API keys: the format, routes that take them, the checks, rotation, the CLI |
//! | [`layers`] | `AuthLayer`, allowlist mode, implicit refresh, WebSockets |
//! | [`vault`] | encrypted opaque tokens |
//! | [`observability`] | OpenAPI, tracing events, metrics |
//! | [`identity_providers`] | tokens from an OpenID Connect provider (feature `jwks`) |
//! | [`resource_server`] | the OAuth 2 resource-server standards (feature `oauth`) |
//! | [`resource_server_conformance`] | those standards, clause by clause, with their tests |
//! | [`authorization`] | authorization over resources: Cedar policies, `#[protect(action, resource)]`, filtered lists (feature `authz`) |
//! | [`mfa`] | second factors that meet step-up challenges: TOTP, recovery codes, `acr` levels (feature `mfa`) |
//! | [`user_kinds`] | AuthX's `login_type`: tokens of several kinds of user |
//! | [`testing`] | testing your app: the route audit |
//! | [`performance`] | what a request costs, and how it was measured |
//! | [`reliability`] | store outages, restarts, failover; fuzzing; the soak |
//!
//! Moving from Python AuthX: [`crate::migrating`].

#[doc = include_str!("../docs/overview.md")]
pub mod overview {}
#[doc = include_str!("../docs/declaring-auth.md")]
pub mod declaring_auth {}
#[doc = include_str!("../docs/extractors.md")]
pub mod extractors {}
#[doc = include_str!("../docs/configuration.md")]
pub mod configuration {}
#[doc = include_str!("../docs/errors.md")]
pub mod errors {}
#[doc = include_str!("../docs/stores.md")]
pub mod stores {}
#[doc = include_str!("../docs/rate-limiting.md")]
pub mod rate_limiting {}
#[doc = include_str!("../docs/api-keys.md")]
pub mod api_keys {}
#[doc = include_str!("../docs/layers.md")]
pub mod layers {}
#[doc = include_str!("../docs/vault.md")]
pub mod vault {}
#[doc = include_str!("../docs/observability.md")]
pub mod observability {}
#[doc = include_str!("../docs/identity-providers.md")]
pub mod identity_providers {}
#[doc = include_str!("../docs/resource-server.md")]
pub mod resource_server {}
#[doc = include_str!("../docs/resource-server-conformance.md")]
pub mod resource_server_conformance {}
#[cfg_attr(feature = "authz", doc = include_str!("../docs/authorization.md"))]
#[cfg_attr(
    not(feature = "authz"),
    doc = "Authorization over resources with Cedar policies: this page is built with the \
           `authz` feature."
)]
pub mod authorization {}
#[cfg_attr(feature = "mfa", doc = include_str!("../docs/mfa.md"))]
#[cfg_attr(
    not(feature = "mfa"),
    doc = "Second factors that meet step-up challenges: this page is built with the `mfa` \
           feature."
)]
pub mod mfa {}
#[doc = include_str!("../docs/user-kinds.md")]
pub mod user_kinds {}
#[doc = include_str!("../docs/testing.md")]
pub mod testing {}
#[doc = include_str!("../docs/performance.md")]
pub mod performance {}
#[doc = include_str!("../docs/reliability.md")]
pub mod reliability {}
