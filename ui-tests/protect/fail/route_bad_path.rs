use authx::protect;

#[protect(route = "GET /users/:id")]
async fn handler() {}

fn main() {}
