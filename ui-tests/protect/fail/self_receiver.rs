use authx::protect;

struct Api;

impl Api {
    #[protect]
    async fn handler(&self) {}
}

fn main() {}
