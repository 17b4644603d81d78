use authx::protect;

#[protect(max_age = "5w")]
async fn handler() {}

fn main() {}
