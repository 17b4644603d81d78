use authx::protect;

#[protect(max_age = "300")]
async fn handler() {}

fn main() {}
