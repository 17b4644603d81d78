use authx::protect;

#[protect(acr = ["mfa", "hwk", "mfa"])]
async fn handler() {}

fn main() {}
