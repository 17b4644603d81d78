use authx::protect;

#[protect]
fn handler() -> &'static str {
    "sync"
}

fn main() {}
