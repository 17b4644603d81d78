//! `AUTHX_CEDAR_SCHEMA` names a file that does not exist (`authz_schema/missing.cedarschema`).

use authx::protect;

#[protect(action = "Document::edit", resource = load_document)]
async fn edit() {}

fn main() {}
