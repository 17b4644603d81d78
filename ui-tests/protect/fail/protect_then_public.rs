use authx::{protect, public};

#[protect]
#[public]
async fn handler() {}

fn main() {}
