//! A `principal` that implements `AuthzEntity` but is not an `#[auth_subject]`: reported where
//! the route is mounted, for the router's state.

use authx::authz::AuthzEntity;
use authx::{protect, routes};

struct Document;

impl AuthzEntity for Document {
    const TYPE: &'static str = "Document";
    fn id(&self) -> String {
        String::new()
    }
}

fn load_document() -> Option<Document> {
    None
}

struct User;

impl AuthzEntity for User {
    const TYPE: &'static str = "User";
    fn id(&self) -> String {
        String::new()
    }
}

#[protect(
    action = "Document::edit",
    resource = load_document,
    principal = User,
    route = "PUT /documents"
)]
async fn edit() {}

fn main() {
    let _app: axum::Router<authx::Auth> = routes![edit];
}
