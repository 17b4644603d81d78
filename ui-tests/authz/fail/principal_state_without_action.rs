//! `principal` and `state` without `action`: each is reported.

use authx::protect;

#[protect(principal = User, state = AppState)]
async fn edit() {}

fn main() {}
