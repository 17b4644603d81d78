use authx::protect;

#[protect(max_age = "")]
async fn handler() {}

fn main() {}
