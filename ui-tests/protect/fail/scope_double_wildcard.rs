use authx::protect;

#[protect(scopes = "admin:**")]
async fn handler() {}

fn main() {}
