use authx::{protect, public};

#[public]
#[protect]
async fn handler() {}

fn main() {}
