use authx::protect;

#[protect(api_key, api_key)]
async fn handler() {}

fn main() {}
