use authx::protect;

#[protect(scopes = "users read")]
async fn handler() {}

fn main() {}
