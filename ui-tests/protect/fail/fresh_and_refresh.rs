use authx::protect;

#[protect(refresh, fresh)]
async fn handler() {}

fn main() {}
