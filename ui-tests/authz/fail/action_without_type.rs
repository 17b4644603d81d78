//! An action without its resource type (`edit` rather than `Document::edit`).

use authx::protect;

#[protect(action = "edit", resource = load_document)]
async fn edit() {}

fn main() {}
