//! `#[public]` without and with keys: route, rate with each key form, crate.

use authx::registry::Decision;
use authx::{public, routes};
use authx_ui_tests::{auth, send};
use axum::http::request::Parts;

fn by_agent(parts: &Parts, _claims: Option<&authx::Claims>) -> String {
    format!("{:?}", parts.headers.get("user-agent"))
}

#[public]
async fn bare() -> &'static str {
    "bare"
}

#[public()]
async fn empty_parens() {}

#[public(route = "GET /")]
async fn index() -> &'static str {
    "index"
}

#[public(route = "POST /login", rate = "5/60s", rate_key = ip)]
async fn login() -> &'static str {
    "login"
}

#[public(rate = "10/1m")]
async fn default_key() {}

#[public(rate = "10/1m", rate_key = subject)]
async fn per_subject() {}

#[public(rate = "1/s", rate_key = by_agent, crate = ::authx)]
async fn per_agent() {}

fn main() {
    let entry = |name: &str| {
        authx::registry::entries()
            .into_iter()
            .find(|e| e.handler == name)
            .unwrap_or_else(|| panic!("{name} is registered"))
    };
    for name in [
        "bare",
        "empty_parens",
        "index",
        "login",
        "default_key",
        "per_subject",
        "per_agent",
    ] {
        assert!(entry(name).is_public(), "{name}");
    }
    assert!(matches!(
        entry("bare").decision,
        Decision::Public { rate: None }
    ));
    assert_eq!(entry("index").route, Some("GET /"));
    let key = |name: &str| entry(name).rate().map(|r| r.key.name());
    assert_eq!(key("login"), Some("ip"));
    assert_eq!(key("default_key"), Some("ip"));
    assert_eq!(key("per_subject"), Some("subject"));
    assert_eq!(key("per_agent"), Some("by_agent"));
    let _ = (bare, empty_parens, default_key, per_subject, per_agent);

    let app = routes![index, login].with_state(auth());
    assert_eq!(send(&app, "GET", "/", None, None).1, "index");
    assert_eq!(send(&app, "POST", "/login", None, None).1, "login");
}
