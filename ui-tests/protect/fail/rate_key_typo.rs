use authx::protect;

// A bare identifier other than `ip`/`subject` names a key function: the compiler reports
// the typo where it is written.
#[protect(rate = "10/60s", rate_key = ipp)]
async fn handler() {}

fn main() {}
