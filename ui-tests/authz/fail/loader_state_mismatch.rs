//! A loader reading `State<Library>` with `state = AppState`, which does not give a `Library`
//! (no `FromRef<AppState> for Library`).

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

#[derive(Clone)]
struct AppState;

async fn load_document(State(_library): State<Library>) -> Option<Document> {
    None
}

#[protect(action = "Document::edit", resource = load_document, state = AppState)]
async fn edit() {}

fn main() {}
