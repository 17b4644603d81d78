use authx::protect;

#[protect(max_age = "500ms")]
async fn handler() {}

fn main() {}
