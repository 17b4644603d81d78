use authx::public;

#[public(rate_key = ip)]
async fn handler() {}

fn main() {}
