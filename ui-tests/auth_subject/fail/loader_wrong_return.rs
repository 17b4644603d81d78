use authx::{Claims, auth_subject};

#[auth_subject(loader = load)]
struct User;

fn load(_sub: String, _claims: Claims) -> Option<User> {
    None
}

fn main() {}
