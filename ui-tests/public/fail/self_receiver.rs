use authx::public;

struct Api;

impl Api {
    #[public]
    async fn handler(self) {}
}

fn main() {}
