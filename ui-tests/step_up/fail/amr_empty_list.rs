use authx::protect;

#[protect(amr = [])]
async fn handler() {}

fn main() {}
