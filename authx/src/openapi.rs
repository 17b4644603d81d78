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
//!   scheme and scope, read as OR), responses `401`, `403` (when the route requires scopes
//!   or a policy) and `429` (when rate-limited) with the [`ErrorBody`](crate::ErrorBody)
//!   schema `AuthErrorBody`; refresh and fresh routes say "refresh token" / "fresh token"
//!   in their description; cookie-borne tokens on CSRF-checked methods document the CSRF
//!   header as an optional parameter;
//! - `#[public]` operations: `security: []`, and `429` when rate-limited.
//!
//! [`openapi_for`] builds a whole document; [`merge_into`] adds the paths, the schemes and
//! the error schema to a document an app already builds (with utoipa's derive macros, say),
//! keeping that document's own operations where both describe one route.

use std::collections::BTreeSet;

use authx_spec::ScopeMode;
pub use utoipa;
use utoipa::openapi::path::{
    Operation, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, Content, HttpMethod, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref,
    Required, ResponseBuilder, header::HeaderBuilder,
};

use crate::config::{AuthConfig, TokenLocation};
use crate::guard::Rules;
use crate::registry::{Decision, RouteEntry};
use crate::token::TokenType;

/// The name of the error body schema in `components.schemas`.
pub const ERROR_SCHEMA: &str = "AuthErrorBody";

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
fn distinct(locations: &[TokenLocation]) -> Vec<TokenLocation> {
    let mut seen = Vec::new();
    for l in locations {
        if !seen.contains(l) {
            seen.push(*l);
        }
    }
    seen
}

fn http_method(method: &str) -> Option<HttpMethod> {
    Some(match method {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        "HEAD" => HttpMethod::Head,
        "OPTIONS" => HttpMethod::Options,
        "TRACE" => HttpMethod::Trace,
        _ => return None,
    })
}

/// The OpenAPI path (`{*rest}` → `{rest}`) and its path parameters.
fn openapi_path(path: &str) -> (String, Vec<Parameter>) {
    let mut out = String::with_capacity(path.len());
    let mut params = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        let name = rest[open + 1..close].trim_start_matches('*');
        out.push_str(&rest[..open]);
        out.push('{');
        out.push_str(name);
        out.push('}');
        params.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        );
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    (out, params)
}

fn error_response(description: impl Into<String>) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        Content::new(Some(Ref::from_schema_name(ERROR_SCHEMA))),
    )
}

fn rate_limited(entry: &RouteEntry) -> Option<utoipa::openapi::Response> {
    let rate = entry.rate()?;
    Some(
        error_response(format!(
            "Rate limit exceeded (`RateLimitExceeded`): {rate}."
        ))
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Seconds until the client may retry."))
                .build(),
        )
        .build(),
    )
}

fn operation(entry: &RouteEntry, config: &AuthConfig) -> Option<(HttpMethod, String, Operation)> {
    let method = http_method(entry.method()?)?;
    let (path, params) = openapi_path(entry.path()?);
    let mut op = OperationBuilder::new()
        .operation_id(Some(entry.handler))
        .tag(entry.module)
        .parameters((!params.is_empty()).then_some(params))
        .response(
            "default",
            ResponseBuilder::new().description("The handler's response (not described by authx)."),
        );
    op = match entry.decision {
        Decision::Public { .. } => op
            .description(Some("Public: no token required."))
            .securities(Some(Vec::new())),
        Decision::Protected(rules) => protected(op, entry, rules, config),
    };
    if let Some(response) = rate_limited(entry) {
        op = op.response("429", response);
    }
    Some((method, path, op.build()))
}

fn protected(
    mut op: OperationBuilder,
    entry: &RouteEntry,
    rules: &Rules,
    config: &AuthConfig,
) -> OperationBuilder {
    let locations = distinct(rules.locations.unwrap_or(&config.token_locations));
    let refresh = rules.token_type == TokenType::Refresh;
    let token = match (refresh, rules.fresh) {
        (true, _) => "a refresh token",
        (false, true) => "a fresh access token (issued by a login, not a refresh)",
        (false, false) => "an access token",
    };
    let mut description = format!("Requires {token}");
    if !rules.scopes.is_empty() {
        let how = match rules.scope_mode {
            ScopeMode::All => "all of",
            ScopeMode::Any => "one of",
        };
        description.push_str(&format!(
            " with {how} the scopes `{}`",
            rules.scopes.join("`, `")
        ));
    }
    description.push('.');
    if let Some((name, _)) = rules.policy {
        description.push_str(&format!(" A policy (`{name}`) decides too."));
    }
    if locations.contains(&TokenLocation::Json) {
        let field = if refresh {
            &config.refresh_json_key
        } else {
            &config.json_key
        };
        description.push_str(&format!(
            " The token may also come in the JSON body field `{field}`."
        ));
    }
    op = op.description(Some(description));

    // One requirement per scheme (and per scope, for `any`): a list of requirements is OR,
    // scopes inside one requirement are AND.
    let schemes: Vec<&str> = locations
        .iter()
        .filter_map(|l| match l {
            TokenLocation::Headers => Some(scheme::BEARER),
            TokenLocation::Cookies if refresh => Some(scheme::REFRESH_COOKIE),
            TokenLocation::Cookies => Some(scheme::COOKIE),
            TokenLocation::Query => Some(scheme::QUERY),
            TokenLocation::Json => None,
        })
        .collect();
    let mut security = Vec::new();
    for scheme in &schemes {
        match rules.scope_mode {
            ScopeMode::Any if rules.scopes.len() > 1 => {
                for scope in rules.scopes {
                    security.push(SecurityRequirement::new(*scheme, [*scope]));
                }
            }
            _ => security.push(SecurityRequirement::new(
                *scheme,
                rules.scopes.iter().copied(),
            )),
        }
    }
    op = op.securities(Some(security));

    let csrf_methods: BTreeSet<&str> = config.csrf.methods.iter().map(|m| m.as_str()).collect();
    if locations.contains(&TokenLocation::Cookies)
        && rules.csrf
        && config.csrf.enabled
        && entry.method().is_some_and(|m| csrf_methods.contains(m))
    {
        op = op.parameter(
            ParameterBuilder::new()
                .name(config.csrf.header_name.as_str())
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The CSRF value (from the CSRF cookie), required when the token comes in a cookie.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }

    let unauthorized = match (refresh, rules.fresh) {
        (true, _) => {
            "Missing, invalid, expired or revoked refresh token, an access token instead of a \
             refresh token (`RefreshTokenRequiredError`), or a CSRF failure"
        }
        (false, true) => {
            "Missing, invalid, expired or revoked access token, a refresh token, a token that is \
             not a fresh token (`FreshTokenRequiredError`), or a CSRF failure"
        }
        (false, false) => {
            "Missing, invalid, expired or revoked access token, a refresh token \
             (`AccessTokenRequiredError`), or a CSRF failure"
        }
    };
    op = op.response(
        "401",
        error_response(unauthorized).header(
            "WWW-Authenticate",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .build(),
        ),
    );
    if !rules.scopes.is_empty() || rules.policy.is_some() {
        let mut why = Vec::new();
        if !rules.scopes.is_empty() {
            why.push("a missing scope (`InsufficientScopeError`)");
        }
        if rules.policy.is_some() {
            why.push("the policy refused (`PolicyDeniedError`)");
        }
        op = op.response(
            "403",
            error_response(format!("Forbidden: {}.", why.join(", or "))),
        );
    }
    op
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_axum_parameters_and_drop_the_wildcard_star() {
        let (path, params) = openapi_path("/users/{id}/files/{*rest}");
        assert_eq!(path, "/users/{id}/files/{rest}");
        let names: Vec<_> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["id", "rest"]);
        assert_eq!(openapi_path("/").0, "/");
    }

    fn op_json(route: &'static str, decision: Decision, config: &AuthConfig) -> serde_json::Value {
        let entry = RouteEntry {
            handler: "h",
            module: "m",
            file: "f.rs",
            line: 1,
            route: Some(route),
            decision,
        };
        let (_, _, op) = operation(&entry, config).unwrap();
        serde_json::to_value(op).unwrap()
    }

    fn both() -> AuthConfig {
        AuthConfig::builder()
            .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
            .build()
    }

    #[test]
    fn any_scopes_are_one_requirement_each_and_all_scopes_one_requirement() {
        static ANY: Rules = Rules {
            scopes: &["a:read", "b:read"],
            scope_mode: ScopeMode::Any,
            ..Rules::ACCESS
        };
        static ALL: Rules = Rules {
            scopes: &["a:read", "b:read"],
            ..Rules::ACCESS
        };
        let any = op_json("GET /x", Decision::Protected(&ANY), &both());
        assert_eq!(
            any["security"],
            serde_json::json!([
                {"bearer": ["a:read"]}, {"bearer": ["b:read"]},
                {"cookie": ["a:read"]}, {"cookie": ["b:read"]},
            ])
        );
        let all = op_json("GET /x", Decision::Protected(&ALL), &both());
        assert_eq!(
            all["security"],
            serde_json::json!([{"bearer": ["a:read", "b:read"]}, {"cookie": ["a:read", "b:read"]}])
        );
        assert!(all["responses"]["401"].is_object());
        assert!(all["responses"]["403"].is_object());
        assert!(all["responses"].get("429").is_none());
    }

    #[test]
    fn refresh_routes_use_the_refresh_cookie_and_say_so() {
        static REFRESH: Rules = Rules {
            token_type: TokenType::Refresh,
            ..Rules::ACCESS
        };
        let op = op_json("POST /refresh", Decision::Protected(&REFRESH), &both());
        assert_eq!(
            op["security"],
            serde_json::json!([{"bearer": []}, {"refresh_cookie": []}])
        );
        assert!(
            op["description"]
                .as_str()
                .unwrap()
                .contains("refresh token")
        );
        assert!(op["responses"].get("403").is_none());
        // A cookie-borne token on POST needs the CSRF header.
        assert_eq!(op["parameters"][0]["name"], "X-CSRF-TOKEN");
    }

    #[test]
    fn public_routes_have_an_empty_security_list() {
        let op = op_json("GET /", Decision::Public { rate: None }, &both());
        assert_eq!(op["security"], serde_json::json!([]));
        assert!(op["responses"].get("401").is_none());
    }

    #[test]
    fn unknown_methods_are_left_out() {
        assert!(http_method("CONNECT").is_none());
        assert!(http_method("GET").is_some());
    }
}
