//! `AUTHX_CEDAR_SCHEMA` names a file that does not parse as a Cedar schema
//! (`authz_schema/unparsable.cedarschema`).

use authx::protect;

#[protect(action = "Document::edit", resource = load_document)]
async fn edit() {}

fn main() {}
