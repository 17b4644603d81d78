use authx::protect;

#[protect(fresh = 1)]
async fn handler() {}

fn main() {}
