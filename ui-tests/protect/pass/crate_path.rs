//! `crate = path`: authx under another name (here an `extern crate` alias and a re-export).

extern crate authx as authx_renamed;

mod framework {
    pub use ::authx as auth;
}

use authx_renamed::Claims;

#[authx_renamed::protect(crate = authx_renamed, scopes = "a:b", route = "GET /a")]
async fn renamed(claims: Claims) -> String {
    claims.sub
}

#[authx_renamed::protect(crate = crate::framework::auth, rate = "1/s", rate_key = ip)]
async fn reexported() {}

#[authx_renamed::public(crate = authx_renamed, route = "GET /open")]
async fn open() {}

#[authx_renamed::auth_subject(crate = framework::auth, loader = load)]
struct Me(String);

fn load(sub: String, _claims: Claims) -> Result<Option<Me>, String> {
    Ok(Some(Me(sub)))
}

async fn me(Me(sub): Me) -> String {
    sub
}

fn main() {
    let app: axum::Router<authx_renamed::Auth> =
        authx_renamed::routes![crate = authx_renamed; renamed, open]
            .route("/me", axum::routing::get(me));
    let _: axum::Router = app.with_state(authx_ui_tests::auth());
    let names: Vec<_> = authx_renamed::registry::entries()
        .iter()
        .map(|e| e.handler)
        .collect();
    assert_eq!(names, ["renamed", "open", "reexported"]);
    let _ = reexported;
}
