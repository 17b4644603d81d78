use authx::protect;

fn by_tenant(tenant: &str) -> String {
    tenant.to_owned()
}

#[protect(rate = "10/60s", rate_key = by_tenant)]
async fn handler() {}

fn main() {}
