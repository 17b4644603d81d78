//! The README tells the truth about configuration: every `AUTHX_*` variable the code reads is
//! in its table.

#[test]
fn every_environment_variable_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    for (name, _) in authx::config::ENV_VARS {
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} is read by AuthConfig::from_env but missing from the README's table"
        );
    }
}
