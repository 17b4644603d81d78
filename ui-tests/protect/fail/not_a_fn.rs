use authx::protect;

#[protect]
struct Handler;

fn main() {}
