//! A `principal` that is an `#[auth_subject]` but does not implement `AuthzEntity`.

use authx::authz::AuthzEntity;
use authx::{Claims, auth_subject, protect};

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

#[auth_subject(loader = load_user)]
struct User;

fn load_user(_sub: String, _claims: Claims) -> Result<Option<User>, String> {
    Ok(Some(User))
}

#[protect(action = "Document::edit", resource = load_document, principal = User)]
async fn edit() {}

fn main() {}
