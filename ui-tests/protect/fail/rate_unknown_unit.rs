use authx::protect;

#[protect(rate = "10/60y")]
async fn handler() {}

fn main() {}
