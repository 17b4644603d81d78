use authx::protect;

#[protect(acr = "m fa")]
async fn handler() {}

fn main() {}
