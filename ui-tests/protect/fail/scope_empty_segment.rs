use authx::protect;

#[protect(scopes = "admin::x")]
async fn handler() {}

fn main() {}
