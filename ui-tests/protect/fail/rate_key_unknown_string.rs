use authx::protect;

#[protect(rate = "10/60s", rate_key = "ipp")]
async fn handler() {}

fn main() {}
