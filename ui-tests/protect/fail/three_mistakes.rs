use authx::protect;

#[protect(access, scope = "users:read", refresh, rate = "0/60s")]
async fn handler() {}

fn main() {}
