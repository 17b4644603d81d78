//! `resource` written as a string rather than the loader's path.

use authx::protect;

#[protect(action = "Document::edit", resource = "load_document")]
async fn edit() {}

fn main() {}
