use authx::public;

#[public(route = "get /")]
async fn handler() {}

fn main() {}
