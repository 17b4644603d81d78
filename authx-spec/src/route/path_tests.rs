use crate::error::SpecErrorKind::BadPath;
use crate::route::tests::{err, example};

#[test]
fn path_errors_and_spans() {
    let e = err("GET users", BadPath, 4..9);
    example(&e, "GET /users");
    err("GET /a b", BadPath, 6..7);
    err("GET /a ", BadPath, 6..7);
    err("GET /a?x=1", BadPath, 6..7);
    err("GET /a#f", BadPath, 6..7);
    err("GET /café", BadPath, 8..10);
    err("GET /a\u{7f}", BadPath, 6..7);
    let e = err("GET /a//b", BadPath, 6..8);
    example(&e, "GET /a/b");
    err("GET //", BadPath, 4..6);
    let e = err("GET /users/:id", BadPath, 11..14);
    assert!(e.message.contains("axum 0.8"), "{}", e.message);
    assert!(e.message.contains("{id}"), "{}", e.message);
    example(&e, "GET /users/{id}");
    let e = err("GET /files/*rest", BadPath, 11..16);
    assert!(e.message.contains("{*rest}"), "{}", e.message);
    example(&e, "GET /files/{*rest}");
    let e = err("GET /files/{*rest}/x", BadPath, 11..18);
    example(&e, "GET /files/{*rest}");
    err("GET /files/{*rest}/", BadPath, 11..18);
    err("GET /{}", BadPath, 5..7);
    err("GET /{1a}", BadPath, 5..9);
    err("GET /{a-b}", BadPath, 5..10);
    err("GET /x{id}", BadPath, 5..10);
    err("GET /{id", BadPath, 5..8);
    err("GET /{{id}}", BadPath, 5..11);
    err("GET /{*}", BadPath, 5..8);
}
