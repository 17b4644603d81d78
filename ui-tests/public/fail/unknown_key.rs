use authx::public;

#[public(rout = "GET /")]
async fn handler() {}

fn main() {}
