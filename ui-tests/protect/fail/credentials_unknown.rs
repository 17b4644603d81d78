use authx::protect;

#[protect(credentials = "bearer | apikey")]
async fn handler() {}

fn main() {}
