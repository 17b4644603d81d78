use authx::protect;

#[protect(scopes = "users:read", any_scopes = ["admin:*"])]
async fn handler() {}

fn main() {}
