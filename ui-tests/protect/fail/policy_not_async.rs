use authx::{Claims, protect};
use axum::http::request::Parts;

fn is_owner(_claims: &Claims, _parts: &Parts) -> bool {
    true
}

#[protect(policy = is_owner)]
async fn handler() {}

fn main() {}
