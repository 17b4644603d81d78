//! `principal` written as a string rather than a type.

use authx::protect;

#[protect(action = "Document::edit", resource = load_document, principal = "User")]
async fn edit() {}

fn main() {}
