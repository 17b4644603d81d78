//! `action` on the refresh route.

use authx::protect;

#[protect(refresh, action = "Document::edit", resource = load_document)]
async fn refresh() {}

fn main() {}
