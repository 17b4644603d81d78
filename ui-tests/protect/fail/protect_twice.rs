use authx::protect;

#[protect(fresh)]
#[protect(scopes = "admin:*")]
async fn handler() {}

fn main() {}
