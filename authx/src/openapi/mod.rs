//! An OpenAPI 3.1 document of the registered routes and their auth rules (cargo feature
//! `openapi`), built with [`utoipa`] from the [route registry](crate::registry), so the
//! documentation is generated from the same `&'static Rules` the guards enforce and cannot
//! drift from them.
//!
//! ```
//! # #[cfg(feature = "openapi")] {
//! use authx::{AuthConfig, TokenLocation, protect, public};
//!
//! #[protect(scopes = "admin:*", route = "GET /admin")]
//! async fn admin() {}
//!
//! #[public(route = "GET /")]
//! async fn home() {}
//!
//! let config = AuthConfig::builder()
//!     .secret_key("k".repeat(32))
//!     .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
//!     .build();
//! let doc = serde_json::to_value(authx::openapi::openapi_for(&config)).unwrap();
//! let admin = &doc["paths"]["/admin"]["get"];
//! assert_eq!(admin["security"][0]["bearer"][0], "admin:*");
//! assert_eq!(admin["security"][1]["cookie"][0], "admin:*");
//! assert!(admin["responses"]["403"].is_object());
//! // Public: an explicit empty list, so no global default applies.
//! assert_eq!(doc["paths"]["/"]["get"]["security"], serde_json::json!([]));
//! # }
//! ```
//!
//! What the document holds:
//!
//! - `api_key` (an `apiKey` header scheme, the configured `X-API-Key`) when a route takes API
//!   keys, and `api_key_query` when a query parameter is configured for them;
//! - security schemes for the configured token locations: `bearer` (HTTP bearer, JWT; an
//!   API key header when [`header_name`](crate::AuthConfig::header_name) is not
//!   `Authorization` with type `Bearer`), `cookie` and `refresh_cookie` (API keys in the
//!   configured cookies), `query` (an API key in the query). JSON-body tokens have no
//!   OpenAPI scheme: operations that accept them say so in their description;
//! - one operation per registry entry that names a route (`operationId` = the handler's
//!   name, tag = its module path; axum's `{id}` is OpenAPI's syntax, `{*rest}` becomes
//!   `{rest}`; `CONNECT` routes are left out, OpenAPI has no such operation);
//! - protected operations: `security` lists one requirement per scheme the route reads its
//!   token from, each with the route's scopes (`scopes_mode = all`: one requirement per
//!   scheme holding every scope, which OpenAPI reads as AND; `any`: one requirement per
//!   scheme and scope, read as OR), responses `401`, `403` (when the route requires scopes,
//!   a policy or a Cedar action) and `429` (when rate-limited) with the [`ErrorBody`](crate::ErrorBody)
//!   schema `AuthErrorBody`; refresh and fresh routes say "refresh token" / "fresh token"
//!   in their description; cookie-borne tokens on CSRF-checked methods document the CSRF
//!   header as an optional parameter;
//! - operations whose route decides a Cedar action (`#[protect(action = "Document::edit",
//!   resource = ...)]`, feature `authz`): the extensions `x-authx-action: "Document::edit"`
//!   and `x-authx-resource-type: "Document"` ([`extension`]), a `403` for a refusal by the
//!   policies, and a `404` (`ResourceNotFoundError`) for a resource the loader does not find;
//! - `#[public]` operations: `security: []`, and `429` when rate-limited.
//!
//! [`openapi_for`] builds a whole document; [`merge_into`] adds the paths, the schemes and
//! the error schema to a document an app already builds (with utoipa's derive macros, say),
//! keeping that document's own operations where both describe one route.

pub use utoipa;

mod operation;

use operation::operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths};

use crate::config::{AuthConfig, TokenLocation};

/// The name of the error body schema in `components.schemas`.
pub const ERROR_SCHEMA: &str = "AuthErrorBody";

/// The [specification extensions](https://spec.openapis.org/oas/v3.1.0#specification-extensions)
/// authx adds to operations.
pub mod extension {
    /// On an operation whose route decides a Cedar action (`#[protect(action = ...)]`, feature
    /// `authz`): the action, `"Document::edit"`.
    pub const ACTION: &str = "x-authx-action";
    /// Alongside [`ACTION`]: the resource type the action is decided on (the action's part
    /// before its last `::`), `"Document"`.
    pub const RESOURCE_TYPE: &str = "x-authx-resource-type";
}

/// Security scheme names, as they appear in `components.securitySchemes` and in operations'
/// `security`.
pub mod scheme {
    /// The token in the configured header (`Authorization: Bearer`).
    pub const BEARER: &str = "bearer";
    /// An access token in the access cookie.
    pub const COOKIE: &str = "cookie";
    /// A refresh token in the refresh cookie.
    pub const REFRESH_COOKIE: &str = "refresh_cookie";
    /// The token in the query parameter.
    pub const QUERY: &str = "query";
    /// An API key in its header (`X-API-Key`), on routes that take keys.
    pub const API_KEY: &str = "api_key";
    /// An API key in its query parameter, when one is configured.
    pub const API_KEY_QUERY: &str = "api_key_query";
}

/// The document for the default [`AuthConfig`] (tokens in the `Authorization` header only).
/// Use [`openapi_for`] when the app reads tokens from cookies or the query too.
pub fn openapi() -> OpenApi {
    openapi_for(&AuthConfig::default())
}

/// The document of every registered route, with the security schemes `config` implies.
/// Its `info` names authx; replace it with the app's (`doc.info = ...`).
pub fn openapi_for(config: &AuthConfig) -> OpenApi {
    let mut paths = Paths::new();
    for entry in crate::registry::entries() {
        if let Some((method, path, op)) = operation(entry, config) {
            paths.add_path_operation(path, vec![method], op);
        }
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("authx routes")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Routes registered with `#[protect]` and `#[public]`, with their auth rules.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components(config)))
        .build()
}

/// Adds the registered routes, the security schemes and the error schema to `doc`. Paths
/// and operations `doc` already has are kept (utoipa's [`OpenApi::merge`]); its `info` is
/// untouched.
pub fn merge_into(doc: &mut OpenApi, config: &AuthConfig) {
    doc.merge(openapi_for(config));
}

fn components(config: &AuthConfig) -> utoipa::openapi::Components {
    let mut builder = ComponentsBuilder::new().schema(
        ERROR_SCHEMA,
        ObjectBuilder::new()
            .description(Some(
                "An authx refusal, in Python AuthX's shape (see the crate's error table).",
            ))
            .property(
                "message",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("A human-readable message, safe to show.")),
            )
            .required("message")
            .property(
                "error_type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(
                        "AuthX's exception class name, e.g. `TokenExpiredError`.",
                    )),
            )
            .required("error_type")
            .property(
                "retry_after",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .description(Some("Seconds until retry, on `429` answers.")),
            ),
    );
    for location in distinct(&config.token_locations) {
        match location {
            TokenLocation::Headers => {
                builder = builder.security_scheme(scheme::BEARER, header_scheme(config));
            }
            TokenLocation::Cookies => {
                builder = builder
                    .security_scheme(
                        scheme::COOKIE,
                        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                            config.cookies.access_cookie_name.as_str(),
                            "An access token in a cookie; unsafe methods need the CSRF header.",
                        ))),
                    )
                    .security_scheme(
                        scheme::REFRESH_COOKIE,
                        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                            config.cookies.refresh_cookie_name.as_str(),
                            "A refresh token in a cookie; unsafe methods need the CSRF header.",
                        ))),
                    );
            }
            TokenLocation::Query => {
                builder = builder.security_scheme(
                    scheme::QUERY,
                    SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new(
                        config.query_param.as_str(),
                    ))),
                );
            }
            TokenLocation::Json => {}
        }
    }
    let takes_keys = crate::registry::entries().iter().any(|e| match e.decision {
        crate::registry::Decision::Protected(rules) => {
            rules.credentials.takes(crate::guard::Credentials::API_KEY)
        }
        _ => false,
    });
    if takes_keys {
        let keys = &config.api_keys;
        builder = builder.security_scheme(
            scheme::API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                keys.header_name.as_str(),
                format!(
                    "An API key (`{}_…`) as the whole header value; `Authorization: {} <key>` \
                     is read too.",
                    keys.prefix, keys.scheme
                )
                .as_str(),
            ))),
        );
        if let Some(param) = &keys.query_param {
            builder = builder.security_scheme(
                scheme::API_KEY_QUERY,
                SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new(param.as_str()))),
            );
        }
    }
    builder.build()
}

fn header_scheme(config: &AuthConfig) -> SecurityScheme {
    if config.header_name.eq_ignore_ascii_case("authorization")
        && config.header_type.eq_ignore_ascii_case("bearer")
    {
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        SecurityScheme::Http(http)
    } else {
        let how = if config.header_type.is_empty() {
            "The token".to_owned()
        } else {
            format!("`{} <token>`", config.header_type)
        };
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            config.header_name.clone(),
            format!("{how} in this header."),
        )))
    }
}

/// Each location once, in order.
pub(super) fn distinct(locations: &[TokenLocation]) -> Vec<TokenLocation> {
    let mut seen = Vec::new();
    for l in locations {
        if !seen.contains(l) {
            seen.push(*l);
        }
    }
    seen
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
