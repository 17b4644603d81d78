use authx::protect;

#[protect(max_age = "0m")]
async fn handler() {}

fn main() {}
