//! A loader whose resource does not implement `AuthzEntity`.

use authx::protect;

struct Document;

fn load_document() -> Option<Document> {
    None
}

#[protect(action = "Document::edit", resource = load_document)]
async fn edit() {}

fn main() {}
