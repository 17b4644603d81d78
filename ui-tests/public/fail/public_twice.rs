use authx::public;

#[public]
#[public(route = "GET /")]
async fn handler() {}

fn main() {}
