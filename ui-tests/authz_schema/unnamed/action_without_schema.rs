//! `action` in a crate that names no Cedar schema (no `AUTHX_CEDAR_SCHEMA`, no
//! `[package.metadata.authx] cedar-schema`): the action cannot be checked.

use authx::protect;

#[protect(action = "Document::edit", resource = load_document)]
async fn edit() {}

fn main() {}
