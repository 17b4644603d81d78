use authx::{Claims, auth_subject};

#[auth_subject(loader = load)]
struct User<Id> {
    id: Id,
}

fn load(_sub: String, _claims: Claims) -> Result<Option<User<u64>>, String> {
    Ok(None)
}

fn main() {}
