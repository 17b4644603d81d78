use authx::{Claims, auth_subject};

#[auth_subject(loader = load, db = Db)]
struct User;

fn load(_sub: String, _claims: Claims) -> Result<Option<User>, String> {
    Ok(None)
}

fn main() {}
