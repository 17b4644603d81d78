use authx::protect;

#[protect(rate = "10")]
async fn handler() {}

fn main() {}
