use authx::public;

#[public]
fn handler() {}

fn main() {}
