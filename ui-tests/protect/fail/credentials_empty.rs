use authx::protect;

#[protect(credentials = "")]
async fn handler() {}

fn main() {}
