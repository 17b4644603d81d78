use authx::routes;

fn main() {
    let _: axum::Router = routes![];
}
