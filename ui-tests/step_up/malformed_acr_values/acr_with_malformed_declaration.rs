use authx::protect;

#[protect(acr = "mfa")]
async fn handler() {}

fn main() {}
