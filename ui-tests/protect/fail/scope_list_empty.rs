use authx::protect;

#[protect(scopes = [])]
async fn handler() {}

fn main() {}
