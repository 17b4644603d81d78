use authx::auth_subject;

#[auth_subject(loader = load)]
union User {
    id: u64,
}

fn main() {}
