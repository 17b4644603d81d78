use authx::protect;

#[protect(locations = [])]
async fn handler() {}

fn main() {}
