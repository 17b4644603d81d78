use authx::protect;

#[protect(rate = "99999999999/1s")]
async fn handler() {}

fn main() {}
