use authx::{Auth, Claims, protect, routes};

// One mistake, one error: the handler is still emitted (unguarded) and still mountable, so
// neither its body nor `routes!` reports anything more.
#[protect(scopes = "admin::x", route = "GET /admin")]
async fn admin(claims: Claims) -> String {
    claims.sub
}

fn main() {
    let _: axum::Router<Auth> = routes![admin];
}
