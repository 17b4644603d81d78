use authx::protect;

#[protect(rate = "0/60s")]
async fn handler() {}

fn main() {}
