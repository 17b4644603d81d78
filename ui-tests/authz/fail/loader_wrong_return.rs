//! A loader returning neither `Option<T>` nor `Result<Option<T>, E>`.

use authx::protect;

fn load_document() -> u8 {
    0
}

#[protect(action = "Document::edit", resource = load_document)]
async fn edit() {}

fn main() {}
