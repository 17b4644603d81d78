use authx::protect;

#[protect(crate = "authx")]
async fn handler() {}

fn main() {}
