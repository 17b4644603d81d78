use authx::protect;

// Not supported: `debug_handler` copies the fn into its checks and calls it with its
// original arguments, before `#[protect]` adds the guard. Put `#[protect]` first.
#[axum::debug_handler]
#[protect]
async fn handler() {}

fn main() {}
