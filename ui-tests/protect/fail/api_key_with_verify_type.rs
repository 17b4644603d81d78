use authx::protect;

#[protect(api_key, verify_type = false)]
async fn handler() {}

fn main() {}
