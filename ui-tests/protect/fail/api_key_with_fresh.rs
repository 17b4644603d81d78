use authx::protect;

#[protect(credentials = "bearer | api_key", fresh)]
async fn handler() {}

fn main() {}
