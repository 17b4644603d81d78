use authx::protect;

#[protect(rate_key = ip)]
async fn handler() {}

fn main() {}
