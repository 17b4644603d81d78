//! An action on an entity type the schema does not declare.

use authx::protect;

#[protect(action = "Invoice::edit", resource = load_invoice)]
async fn edit() {}

fn main() {}
