//! An action of the schema on a resource type it does not apply to (`list` applies to
//! `Folder` only).

use authx::protect;

#[protect(action = "Document::list", resource = load_document)]
async fn list() {}

fn main() {}
