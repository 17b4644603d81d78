use authx::protect;

#[protect(max_age = "1.5h")]
async fn handler() {}

fn main() {}
