use authx::public;

#[public(route = "GET /", route = "GET /home")]
async fn handler() {}

fn main() {}
