use authx::protect;

#[protect(api_key, refresh)]
async fn handler() {}

fn main() {}
