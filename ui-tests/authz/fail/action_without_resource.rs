//! `action` without `resource`: nothing to decide the action on.

use authx::protect;

#[protect(action = "Document::edit")]
async fn edit() {}

fn main() {}
