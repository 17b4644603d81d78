use authx::protect;

#[protect(policy = "is_owner")]
async fn handler() {}

fn main() {}
