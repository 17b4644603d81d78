use authx::protect;

#[protect(acr = "mfaa")]
async fn handler() {}

fn main() {}
