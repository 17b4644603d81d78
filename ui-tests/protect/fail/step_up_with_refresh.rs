use authx::protect;

#[protect(refresh, max_age = "5m", acr = "mfa")]
async fn handler() {}

fn main() {}
