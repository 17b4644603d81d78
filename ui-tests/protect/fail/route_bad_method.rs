use authx::protect;

#[protect(route = "FETCH /users")]
async fn handler() {}

fn main() {}
