use authx::protect;

#[protect(rate = "10/60s", rate_key = api_key)]
async fn handler() {}

fn main() {}
