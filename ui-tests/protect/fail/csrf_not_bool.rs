use authx::protect;

#[protect(csrf = "off")]
async fn handler() {}

fn main() {}
