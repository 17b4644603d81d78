//! An async loader without state, on an enum, next to a `#[protect]` guard in one handler.

use authx::{Claims, auth_subject, protect, routes};
use authx_ui_tests::{auth, send, token};

#[auth_subject(loader = loaders::load)]
enum Member {
    Admin(String),
    Regular(String),
}

mod loaders {
    use super::Member;
    use authx::Claims;

    pub async fn load(sub: String, claims: Claims) -> Result<Option<Member>, std::io::Error> {
        tokio::task::yield_now().await;
        Ok(Some(if claims.scopes().iter().any(|s| s == "admin") {
            Member::Admin(sub)
        } else {
            Member::Regular(sub)
        }))
    }
}

#[protect(scopes = "app", route = "GET /whoami")]
async fn whoami(member: Member, claims: Claims) -> String {
    match member {
        Member::Admin(name) => format!("admin {name} ({})", claims.sub),
        Member::Regular(name) => format!("regular {name}"),
    }
}

fn main() {
    let auth = auth();
    let app = routes![whoami].with_state(auth.clone());
    let admin = token(&auth, "root", &["app", "admin"]);
    let user = token(&auth, "joe", &["app"]);
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&admin), None).1,
        "admin root (root)"
    );
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&user), None).1,
        "regular joe"
    );
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&token(&auth, "x", &[])), None).0,
        403
    );
}
