use authx::protect;

#[protect(scope = "users:read")]
async fn handler() {}

fn main() {}
