use authx::protect;

#[protect(acr = "")]
async fn handler() {}

fn main() {}
