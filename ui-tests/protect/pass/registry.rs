//! The registry lists every `#[protect]` and `#[public]` handler with its rules, route, module
//! and source line.

use authx::registry::Decision;
use authx::{Claims, protect, public};

#[protect(scopes = ["users:read"], route = "GET /users/{id}")]
pub async fn get_user(claims: Claims) -> String {
    claims.sub
}

#[protect(fresh, scopes = "admin:*", route = "DELETE   /users/{id}")]
pub(crate) async fn delete_user() {}

mod nested {
    #[authx::protect(refresh)]
    pub async fn refresh() {}
}

#[public(route = "GET /health", rate = "5/60s")]
async fn health() -> &'static str {
    "ok"
}

fn main() {
    let entries = authx::registry::entries();
    let summary: Vec<_> = entries
        .iter()
        .map(|e| (e.handler, e.route, e.is_public()))
        .collect();
    assert_eq!(
        summary,
        [
            ("health", Some("GET /health"), true),
            ("delete_user", Some("DELETE /users/{id}"), false),
            ("get_user", Some("GET /users/{id}"), false),
            ("refresh", None, false),
        ]
    );
    let get = entries[2];
    assert_eq!(get.rules().unwrap().scopes, ["users:read"]);
    assert_eq!(get.module, module_path!());
    assert!(get.file.ends_with("registry.rs"), "{}", get.file);
    assert_eq!(get.line, 8);
    assert_eq!(
        (get.method(), get.path()),
        (Some("GET"), Some("/users/{id}"))
    );
    let delete = entries[1].rules().unwrap();
    assert!(delete.fresh);
    assert_eq!(delete.scopes, ["admin:*"]);
    assert_eq!(entries[3].module, format!("{}::nested", module_path!()));
    match entries[0].decision {
        Decision::Public { rate: Some(rate) } => {
            assert_eq!(
                (rate.count, rate.window_ms, rate.key.name()),
                (5, 60_000, "ip")
            )
        }
        other => panic!("public with a rate expected, got {other:?}"),
    }
    let table = authx::registry::audit_table();
    assert!(table.contains("GET /users/{id}"), "{table}");
    let _ = (get_user, delete_user, nested::refresh, health);
}
