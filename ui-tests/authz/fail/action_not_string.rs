//! `action` written as a path rather than a string.

use authx::protect;

#[protect(action = Document::edit, resource = load_document)]
async fn edit() {}

fn main() {}
