use authx::protect;

#[protect(locations = [header, cookies])]
async fn handler() {}

fn main() {}
