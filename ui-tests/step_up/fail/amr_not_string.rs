use authx::protect;

#[protect(amr = [hwk])]
async fn handler() {}

fn main() {}
