use authx::protect;

#[protect(acr = ["mfa", "gold"])]
async fn handler() {}

fn main() {}
