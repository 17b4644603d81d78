use authx::public;

#[public(scopes = "users:read")]
async fn handler() {}

fn main() {}
