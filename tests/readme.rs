//! The README's example is a real program: its text is `examples/readme.rs`, and that service
//! answers as the README says.

#[allow(dead_code)]
#[path = "../examples/readme.rs"]
mod readme;

use authx::{Auth, AuthConfig};
use authx_tests::{TestServer, client, status_json};

#[test]
fn the_readme_shows_examples_readme_rs_verbatim() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let example = std::fs::read_to_string(format!("{root}/examples/readme.rs")).unwrap();
    assert!(
        readme.contains(&format!("```rust\n{example}```")),
        "README.md's example block must be examples/readme.rs, verbatim"
    );
}

#[tokio::test]
async fn the_readme_example_answers_as_the_readme_says() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key("change-me-".repeat(4))
            .build(),
    )
    .unwrap();
    let s = TestServer::start(readme::app(auth)).await;
    let (status, body) = status_json(client().post(s.url("/login")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();

    let (status, body) = status_json(
        client()
            .get(s.url("/notes"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["owner"].as_str()), (200, Some("ada")));

    let res = client()
        .delete(s.url("/notes"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_eq!(status, 403);
    assert_eq!(body["error_type"], "InsufficientScopeError");
    assert_eq!(body["message"], "Missing required scopes: all of notes:*");

    let (status, body) = status_json(client().get(s.url("/notes")).send().await.unwrap()).await;
    assert_eq!(
        (status, body["error_type"].as_str()),
        (401, Some("MissingTokenError"))
    );
}
