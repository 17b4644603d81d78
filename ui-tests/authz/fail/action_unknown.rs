//! A misspelt action: the schema's nearest one is suggested.

use authx::protect;

#[protect(action = "Document::edti", resource = load_document)]
async fn edit() {}

fn main() {}
