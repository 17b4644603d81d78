use authx::protect;

#[protect(api_key, locations = [headers])]
async fn handler() {}

fn main() {}
