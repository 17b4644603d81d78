use authx::protect;

#[protect(scopes = 3)]
async fn handler() {}

fn main() {}
