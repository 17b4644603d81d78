use authx::protect;

#[protect(any_scopes = ["users:read", "adm*"])]
async fn handler() {}

fn main() {}
