use authx::public;

#[public(rate = "5/60")]
async fn handler() {}

fn main() {}
