use authx::protect;

#[protect(max_age = "4000d")]
async fn handler() {}

fn main() {}
