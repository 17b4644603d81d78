use authx::protect;

#[protect(api_key, amr = "hwk")]
async fn handler() {}

fn main() {}
