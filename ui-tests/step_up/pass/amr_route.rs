//! A route requiring the `otp` authentication method (`amr`, RFC 8176): a token without `amr`
//! is refused with the step-up challenge (`401`, RFC 9470), a login with a password and a
//! one-time password passes (`200`); the audit table shows the requirement.

use authx::{Claims, protect, routes};
use authx_ui_tests::{auth, send_with_headers};

#[protect(amr = "otp", route = "GET /payouts")]
async fn payouts(claims: Claims) -> String {
    claims.amr().join(" ")
}

fn main() {
    let auth = auth();
    let app = routes![payouts].with_state(auth.clone());

    let plain = auth.tokens().access("u").issue().expect("issues");
    let (status, headers, body) = send_with_headers(&app, "GET", "/payouts", Some(&plain), None);
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        headers["www-authenticate"],
        r#"Bearer error="insufficient_user_authentication", error_description="A stronger authentication method is required: otp""#
    );
    assert!(
        body.contains("InsufficientUserAuthenticationError"),
        "{body}"
    );

    let otp = auth
        .tokens()
        .access("u")
        .amr(["pwd", "otp"])
        .issue()
        .expect("issues");
    let (status, _, body) = send_with_headers(&app, "GET", "/payouts", Some(&otp), None);
    assert_eq!((status.as_u16(), body.as_str()), (200, "pwd otp"));

    let table = authx::registry::audit_table();
    assert!(table.contains(" amr=otp "), "{table}");
}
