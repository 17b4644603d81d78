//! One operation per registry entry: its path, parameters, security and error responses.

use std::collections::BTreeSet;

use authx_spec::ScopeMode;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{
    Operation, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, HttpMethod, Ref, Required, ResponseBuilder, header::HeaderBuilder};

use crate::config::{AuthConfig, TokenLocation};
use crate::guard::{Credentials, Rules};
use crate::registry::{Decision, RouteEntry};
use crate::token::TokenType;

use super::{ERROR_SCHEMA, distinct, extension, scheme};

pub(super) fn http_method(method: &str) -> Option<HttpMethod> {
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
pub(super) fn openapi_path(path: &str) -> (String, Vec<Parameter>) {
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

pub(super) fn operation(
    entry: &RouteEntry,
    config: &AuthConfig,
) -> Option<(HttpMethod, String, Operation)> {
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
    let bearer = rules.credentials.takes(Credentials::BEARER);
    let keys = rules.credentials.takes(Credentials::API_KEY);
    let locations = match bearer {
        true => distinct(rules.locations.unwrap_or(&config.token_locations)),
        false => Vec::new(),
    };
    let refresh = rules.token_type == TokenType::Refresh;
    let token = match (refresh, rules.fresh, bearer, keys) {
        (_, _, false, _) => "an API key",
        (false, false, true, true) => "an access token or an API key",
        (true, ..) => "a refresh token",
        (false, true, ..) => "a fresh access token (issued by a login, not a refresh)",
        (false, false, ..) => "an access token",
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
    let action = rules
        .action
        .map(|a| (a, a.rsplit_once("::").map_or(a, |(ty, _)| ty)));
    if let Some((action, resource_type)) = action {
        description.push_str(&format!(
            " The Cedar policies decide `{action}` on the `{resource_type}` the route loads."
        ));
        op = op.extensions(Some(
            ExtensionsBuilder::new()
                .add(extension::ACTION, action)
                .add(extension::RESOURCE_TYPE, resource_type)
                .build(),
        ));
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
    let mut schemes: Vec<&str> = locations
        .iter()
        .filter_map(|l| match l {
            TokenLocation::Headers => Some(scheme::BEARER),
            TokenLocation::Cookies if refresh => Some(scheme::REFRESH_COOKIE),
            TokenLocation::Cookies => Some(scheme::COOKIE),
            TokenLocation::Query => Some(scheme::QUERY),
            TokenLocation::Json => None,
        })
        .collect();
    if keys {
        schemes.push(scheme::API_KEY);
        if config.api_keys.query_param.is_some() {
            schemes.push(scheme::API_KEY_QUERY);
        }
    }
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
    if !rules.scopes.is_empty() || rules.policy.is_some() || action.is_some() {
        let mut why = Vec::new();
        if !rules.scopes.is_empty() {
            why.push("a missing scope (`InsufficientScopeError`)".to_owned());
        }
        if rules.policy.is_some() {
            why.push("the policy refused (`PolicyDeniedError`)".to_owned());
        }
        if let Some((action, _)) = action {
            why.push(format!(
                "the Cedar policies refused `{action}` (`PolicyDeniedError`) or failed to \
                 evaluate (`PolicyEvaluationError`)"
            ));
        }
        op = op.response(
            "403",
            error_response(format!("Forbidden: {}.", why.join(", or "))),
        );
    }
    if let Some((_, resource_type)) = action {
        op = op.response(
            "404",
            error_response(format!(
                "No such `{resource_type}`: the route's loader found none \
                 (`ResourceNotFoundError`), before any decision."
            )),
        );
    }
    op
}
