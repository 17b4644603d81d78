//! `rate` alone (counted per subject) and with each `rate_key` form: `ip`, `subject`, the
//! string `"ip"`, and custom key functions named by a plain or a module path.

use authx::{Claims, protect};
use axum::http::request::Parts;

fn by_tenant(parts: &Parts, _claims: Option<&Claims>) -> String {
    parts
        .headers
        .get("x-tenant")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_owned()
}

mod keys {
    use authx::Claims;
    use axum::http::request::Parts;

    pub fn by_subject_and_path(parts: &Parts, claims: Option<&Claims>) -> String {
        format!(
            "{}:{}",
            claims.map_or("-", |c| c.sub.as_str()),
            parts.uri.path()
        )
    }
}

#[protect(rate = "10/60s")]
async fn default_key() {}

#[protect(rate = "5/1m", rate_key = ip)]
async fn per_ip() {}

#[protect(rate = "100/h", rate_key = subject)]
async fn per_subject() {}

#[protect(rate = "50/500ms", rate_key = "ip")]
async fn per_ip_string() {}

#[protect(rate = "3/1s", rate_key = by_tenant)]
async fn per_tenant() {}

#[protect(rate = "1000/day", rate_key = keys::by_subject_and_path)]
async fn per_path() {}

fn main() {
    let rate = |name: &str| {
        authx::registry::entries()
            .into_iter()
            .find(|e| e.handler == name)
            .and_then(|e| e.rate())
            .unwrap_or_else(|| panic!("{name} has a rate"))
    };
    let r = rate("default_key");
    assert_eq!(
        (r.count, r.window_ms, r.key.name()),
        (10, 60_000, "subject")
    );
    let r = rate("per_ip");
    assert_eq!((r.count, r.window_ms, r.key.name()), (5, 60_000, "ip"));
    let r = rate("per_subject");
    assert_eq!(
        (r.count, r.window_ms, r.key.name()),
        (100, 3_600_000, "subject")
    );
    let r = rate("per_ip_string");
    assert_eq!((r.count, r.window_ms, r.key.name()), (50, 500, "ip"));
    let r = rate("per_tenant");
    assert_eq!(r.key.name(), "by_tenant");
    let r = rate("per_path");
    assert_eq!(
        (r.window_ms, r.key.name()),
        (86_400_000, "keys::by_subject_and_path")
    );
    assert_eq!(r.to_string(), "1000/86400s per keys::by_subject_and_path");

    // The custom key functions are stored, callable.
    let (parts, ()) = axum::http::Request::get("/x")
        .header("x-tenant", "acme")
        .body(())
        .unwrap()
        .into_parts();
    match rate("per_tenant").key {
        authx::__private::RateKeyRule::Custom { key, .. } => assert_eq!(key(&parts, None), "acme"),
        other => panic!("custom key expected, got {other:?}"),
    }
    let _ = (
        default_key,
        per_ip,
        per_subject,
        per_ip_string,
        per_tenant,
        per_path,
    );
}
