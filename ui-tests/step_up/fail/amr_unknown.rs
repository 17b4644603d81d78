use authx::protect;

#[protect(amr = "totp")]
async fn handler() {}

fn main() {}
