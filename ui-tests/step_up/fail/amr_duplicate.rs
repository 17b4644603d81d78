use authx::protect;

#[protect(amr = ["pwd", "otp", "pwd"])]
async fn handler() {}

fn main() {}
