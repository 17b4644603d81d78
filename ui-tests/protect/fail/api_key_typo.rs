use authx::protect;

#[protect(apikey)]
async fn handler() {}

fn main() {}
