use authx::protect;

#[protect(scopes = "users:read", scopes = "users:write")]
async fn handler() {}

fn main() {}
