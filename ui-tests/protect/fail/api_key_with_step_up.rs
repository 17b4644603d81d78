use authx::protect;

#[protect(api_key, max_age = "5m", acr = "mfa")]
async fn handler() {}

fn main() {}
