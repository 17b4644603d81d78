use authx::protect;

#[protect(scopes = ["users:read", "users:write", "users:read"])]
async fn handler() {}

fn main() {}
