use authx::protect;

#[protect(api_key, dpop)]
async fn handler() {}

fn main() {}
