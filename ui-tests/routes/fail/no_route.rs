use authx::{protect, routes};

#[protect(scopes = "users:read")]
async fn list_users() {}

fn main() {
    let _: axum::Router<authx::Auth> = routes![list_users];
}
