use authx::protect;

#[protect(api_key, credentials = "bearer | api_key")]
async fn handler() {}

fn main() {}
