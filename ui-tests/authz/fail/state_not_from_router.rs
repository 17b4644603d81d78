//! `state = AppState` on a route mounted in a router whose state (`Auth`) does not give an
//! `AppState`: reported where the route is mounted.

use authx::authz::AuthzEntity;
use authx::{protect, routes};

struct Document;

impl AuthzEntity for Document {
    const TYPE: &'static str = "Document";
    fn id(&self) -> String {
        String::new()
    }
}

#[derive(Clone)]
struct AppState;

fn load_document() -> Option<Document> {
    None
}

#[protect(
    action = "Document::edit",
    resource = load_document,
    state = AppState,
    route = "PUT /documents"
)]
async fn edit() {}

fn main() {
    let _app: axum::Router<authx::Auth> = routes![edit];
}
