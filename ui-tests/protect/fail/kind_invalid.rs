use authx::protect;

#[protect(kind = "staff member")]
async fn handler() -> &'static str {
    "ok"
}

fn main() {}
