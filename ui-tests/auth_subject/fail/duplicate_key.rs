use authx::{Claims, auth_subject};

#[auth_subject(loader = load, loader = load)]
struct User;

fn load(_sub: String, _claims: Claims) -> Result<Option<User>, String> {
    Ok(None)
}

fn main() {}
