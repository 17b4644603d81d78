use authx::protect;

#[protect(amr = "magic-link")]
async fn handler() {}

fn main() {}
