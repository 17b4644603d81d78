use authx::{protect, routes};

#[protect(route = "GET /users")]
async fn list_users() {}

// Neither `#[protect]` nor `#[public]`: `routes!` refuses it.
async fn health() {}

fn main() {
    let _: axum::Router<authx::Auth> = routes![list_users, health];
}
