//! `resource` without `action`: a resource loaded for no decision.

use authx::protect;

#[protect(resource = load_document)]
async fn edit() {}

fn main() {}
