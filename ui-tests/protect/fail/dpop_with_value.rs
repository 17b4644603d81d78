use authx::protect;

#[protect(dpop = true)]
async fn handler() {}

fn main() {}
