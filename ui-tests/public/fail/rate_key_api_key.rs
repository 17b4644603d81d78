use authx::public;

#[public(rate = "5/60s", rate_key = "api_key")]
async fn handler() {}

fn main() {}
