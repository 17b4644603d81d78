use authx::protect;

#[protect(credentials = "api_key", csrf = false)]
async fn handler() {}

fn main() {}
