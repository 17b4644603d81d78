use authx::{Claims, auth_subject};

#[auth_subject(loader = load, kind = staff)]
struct Staff {
    id: String,
}

fn load(sub: String, _claims: Claims) -> Result<Option<Staff>, std::convert::Infallible> {
    Ok(Some(Staff { id: sub }))
}

fn main() {}
