use authx::protect;

#[protect(route = "/users")]
async fn handler() {}

fn main() {}
