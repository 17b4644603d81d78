use authx::protect;

#[protect(access, refresh)]
async fn handler() {}

fn main() {}
