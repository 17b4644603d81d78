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
