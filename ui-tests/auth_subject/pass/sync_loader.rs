//! A sync loader without state; the subject as `User` and as `Option<User>`.

use authx::{Claims, auth_subject};
use authx_ui_tests::{auth, send, token};
use axum::Router;
use axum::routing::get;

#[derive(Debug)]
#[auth_subject(loader = load_user)]
pub struct User {
    name: String,
}

fn load_user(sub: String, claims: Claims) -> Result<Option<User>, String> {
    assert_eq!(sub, claims.sub);
    match sub.as_str() {
        "ann" => Ok(Some(User { name: "Ann".into() })),
        "broken" => Err("db down".into()),
        _ => Ok(None),
    }
}

async fn me(user: User) -> String {
    user.name
}

async fn maybe(user: Option<User>) -> String {
    user.map_or_else(|| "anonymous".into(), |u| u.name)
}

fn main() {
    let auth = auth();
    let app = Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .with_state(auth.clone());
    let ann = token(&auth, "ann", &[]);
    let gone = token(&auth, "gone", &[]);
    let broken = token(&auth, "broken", &[]);
    assert_eq!(send(&app, "GET", "/me", Some(&ann), None).1, "Ann");
    assert_eq!(send(&app, "GET", "/me", None, None).0, 401);
    let (status, body) = send(&app, "GET", "/me", Some(&gone), None);
    assert_eq!(status, 401);
    assert!(body.contains("SubjectNotFoundError"), "{body}");
    assert_eq!(send(&app, "GET", "/me", Some(&broken), None).0, 500);
    assert_eq!(send(&app, "GET", "/me", Some("not-a-token"), None).0, 401);

    assert_eq!(send(&app, "GET", "/maybe", None, None).1, "anonymous");
    assert_eq!(send(&app, "GET", "/maybe", Some(&ann), None).1, "Ann");
    assert_eq!(send(&app, "GET", "/maybe", Some(&gone), None).0, 401);
    assert_eq!(
        send(&app, "GET", "/maybe", Some("not-a-token"), None).0,
        401
    );
}
