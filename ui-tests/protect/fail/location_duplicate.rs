use authx::protect;

#[protect(locations = [cookies, headers, cookies])]
async fn handler() {}

fn main() {}
