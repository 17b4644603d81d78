//! `resource` naming a loader that does not exist.

use authx::protect;

#[protect(action = "Document::edit", resource = load_document)]
async fn edit() {}

fn main() {}
