use authx::protect;

#[protect(credentials = "api_key | bearer | api_key")]
async fn handler() {}

fn main() {}
