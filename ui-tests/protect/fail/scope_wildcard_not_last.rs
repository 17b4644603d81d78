use authx::protect;

#[protect(scopes = "*:read")]
async fn handler() {}

fn main() {}
