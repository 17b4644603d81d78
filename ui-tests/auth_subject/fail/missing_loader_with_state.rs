use authx::auth_subject;

#[auth_subject(state = Db)]
struct User {
    id: u64,
}

#[derive(Clone)]
struct Db;

fn main() {}
