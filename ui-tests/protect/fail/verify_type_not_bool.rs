use authx::protect;

#[protect(verify_type = "no")]
async fn handler() {}

fn main() {}
