use authx::auth_subject;

#[auth_subject(loader = load)]
async fn user() {}

fn main() {}
