//! A loader reading `State<Library>` on a route without `state = ...`: the loader's extractors
//! cannot be run with the router state.

use authx::authz::AuthzEntity;
use authx::protect;
use axum::extract::State;

struct Document;

impl AuthzEntity for Document {
    const TYPE: &'static str = "Document";
    fn id(&self) -> String {
        String::new()
    }
}

#[derive(Clone)]
struct Library;

async fn load_document(State(_library): State<Library>) -> Option<Document> {
    None
}

#[protect(action = "Document::edit", resource = load_document)]
async fn edit() {}

fn main() {}
