//! `state` as a flag, without its type.

use authx::protect;

#[protect(action = "Document::edit", resource = load_document, state)]
async fn edit() {}

fn main() {}
