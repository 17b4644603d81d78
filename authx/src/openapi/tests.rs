//! Unit tests of `openapi`.

use super::operation::{http_method, openapi_path};
use super::*;
use crate::guard::Rules;
use crate::registry::{Decision, RouteEntry};
use crate::token::TokenType;
use authx_spec::ScopeMode;

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

static EDIT: Rules = Rules {
    action: Some("Document::edit"),
    ..Rules::ACCESS
};

#[test]
fn action_routes_carry_the_action_and_resource_type_extensions() {
    let op = op_json("PUT /documents/{id}", Decision::Protected(&EDIT), &both());
    assert_eq!(op[extension::ACTION], "Document::edit");
    assert_eq!(op[extension::RESOURCE_TYPE], "Document");
    assert_eq!(op["x-authx-action"], "Document::edit");
    assert_eq!(op["x-authx-resource-type"], "Document");
    let description = op["description"].as_str().unwrap();
    assert!(description.contains("`Document::edit`"), "{description}");
}

#[test]
fn action_routes_document_the_404_of_a_missing_resource_and_the_403_of_a_refusal() {
    let op = op_json("PUT /documents/{id}", Decision::Protected(&EDIT), &both());
    let responses = &op["responses"];
    let not_found = responses["404"]["description"].as_str().unwrap();
    assert!(not_found.contains("ResourceNotFoundError"), "{not_found}");
    assert!(not_found.contains("`Document`"), "{not_found}");
    assert_eq!(
        responses["404"]["content"]["application/json"]["schema"]["$ref"],
        format!("#/components/schemas/{ERROR_SCHEMA}")
    );
    // No scopes, no policy: the action alone makes the 403.
    let forbidden = responses["403"]["description"].as_str().unwrap();
    assert!(forbidden.contains("PolicyDeniedError"), "{forbidden}");
    assert!(forbidden.contains("`Document::edit`"), "{forbidden}");
    assert!(!forbidden.contains("InsufficientScopeError"), "{forbidden}");
    assert!(responses["401"].is_object());
}

#[test]
fn a_namespaced_action_names_the_namespaced_resource_type() {
    static READ: Rules = Rules {
        action: Some("Docs::Document::read"),
        scopes: &["docs:read"],
        ..Rules::ACCESS
    };
    let op = op_json("GET /documents/{id}", Decision::Protected(&READ), &both());
    assert_eq!(op[extension::ACTION], "Docs::Document::read");
    assert_eq!(op[extension::RESOURCE_TYPE], "Docs::Document");
    let forbidden = op["responses"]["403"]["description"].as_str().unwrap();
    assert!(forbidden.contains("InsufficientScopeError"), "{forbidden}");
    assert!(forbidden.contains("PolicyDeniedError"), "{forbidden}");
}

#[test]
fn routes_without_an_action_have_no_extension_and_no_404() {
    let op = op_json("GET /me", Decision::Protected(&Rules::ACCESS), &both());
    assert!(op.get(extension::ACTION).is_none(), "{op}");
    assert!(op.get(extension::RESOURCE_TYPE).is_none(), "{op}");
    assert!(op["responses"].get("404").is_none());
    assert!(op["responses"].get("403").is_none());
    let public = op_json("GET /", Decision::Public { rate: None }, &both());
    assert!(public.get(extension::ACTION).is_none(), "{public}");
    assert!(public["responses"].get("404").is_none());
}
