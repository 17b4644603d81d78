use authx::protect;

#[protect(rate = "10/0s")]
async fn handler() {}

fn main() {}
