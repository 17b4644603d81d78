use super::*;
use SpecErrorKind::*;

#[test]
fn valid_routes() {
    for (s, method, path) in [
        ("GET /users/{id}", "GET", "/users/{id}"),
        ("GET /", "GET", "/"),
        ("POST   /users", "POST", "/users"),
        ("PUT /a/b/", "PUT", "/a/b/"),
        ("PATCH /files/{*path}", "PATCH", "/files/{*path}"),
        ("DELETE /{_x}/{y2}", "DELETE", "/{_x}/{y2}"),
        ("HEAD /a-b.c~d", "HEAD", "/a-b.c~d"),
        ("OPTIONS /x:y", "OPTIONS", "/x:y"),
        ("TRACE /t", "TRACE", "/t"),
        ("CONNECT /{*rest}", "CONNECT", "/{*rest}"),
    ] {
        let r = RouteSpec::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        assert_eq!((r.method.as_str(), r.path.as_str()), (method, path));
        assert_eq!(r.to_string(), format!("{method} {path}"));
        assert_eq!(r.to_string().parse::<RouteSpec>().unwrap(), r);
    }
}

#[track_caller]
pub(super) fn err(s: &str, kind: SpecErrorKind, span: core::ops::Range<usize>) -> SpecError {
    let e = RouteSpec::parse(s).unwrap_err();
    assert_eq!(
        (e.kind, e.span.clone()),
        (kind, span),
        "{s:?}: {}",
        e.message
    );
    assert!(e.message.contains("write e.g."), "{}", e.message);
    e
}

#[track_caller]
pub(super) fn example(e: &SpecError, want: &str) {
    assert!(
        e.message.ends_with(&format!("write e.g. {want:?}")),
        "{}",
        e.message
    );
}

#[test]
fn error_kinds_and_spans() {
    err("", EmptyRoute, 0..0);
    err("  ", EmptyRoute, 0..2);
    let e = err("/users", MissingMethod, 0..6);
    example(&e, "GET /users");
    let e = err(" GET /x", MissingMethod, 0..1);
    example(&e, "GET /x");
    let e = err("FETCH /x", UnknownMethod, 0..5);
    assert!(e.message.contains(METHOD_LIST), "{}", e.message);
    example(&e, "GET /x");
    let e = err("get /x", UnknownMethod, 0..3);
    assert!(e.message.contains("uppercase"), "{}", e.message);
    example(&e, "GET /x");
    let e = err("GET/users", UnknownMethod, 0..9);
    example(&e, "GET /users");
    let e = err("GET", MissingPath, 0..3);
    example(&e, "GET /users");
    err("GET ", MissingPath, 3..4);
    err("GET   ", MissingPath, 3..6);
    err("GET \t/x", BadPath, 4..5);
    err("GET\t/x", BadPath, 3..4);
}
