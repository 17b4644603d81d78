use authx::protect;

#[protect(refresh, amr = "otp")]
async fn handler() {}

fn main() {}
