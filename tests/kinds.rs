//! User kinds (AuthX's `login_type`): routes and subject types for one kind refuse the others.

use authx::{Auth, AuthConfig, Claims, auth_subject, protect, routes};
use authx_tests::{TestServer, assert_error, client, status_json};

#[auth_subject(loader = load_staff, kind = "staff")]
struct Staff {
    name: String,
}

fn load_staff(sub: String, _claims: Claims) -> Result<Option<Staff>, std::convert::Infallible> {
    Ok(Some(Staff {
        name: format!("staff member {sub}"),
    }))
}

#[auth_subject(loader = load_customer, kind = "customer")]
struct Customer {
    id: String,
}

async fn load_customer(
    sub: String,
    _claims: Claims,
) -> Result<Option<Customer>, std::convert::Infallible> {
    Ok(Some(Customer { id: sub }))
}

#[protect(kind = "staff", route = "GET /back-office")]
async fn back_office(claims: Claims) -> String {
    format!("{} ({})", claims.sub, claims.kind().unwrap_or("-"))
}

#[protect(route = "GET /whoami/staff")]
async fn whoami_staff(staff: Staff) -> String {
    staff.name
}

#[protect(route = "GET /whoami/customer")]
async fn whoami_customer(customer: Customer) -> String {
    customer.id
}

#[tokio::test]
async fn kinds_are_kept_apart() {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key("kinds-test-secret-0123456789abcdef")
            .build(),
    )
    .unwrap();
    let s = TestServer::start(
        routes![back_office, whoami_staff, whoami_customer].with_state(auth.clone()),
    )
    .await;
    let staff = auth.tokens().access("ann").kind("staff").issue().unwrap();
    let customer = auth
        .tokens()
        .access("bob")
        .kind("customer")
        .issue()
        .unwrap();
    let plain = auth.tokens().access("cid").issue().unwrap();
    let c = client();
    let get = |path: &str, token: &str| c.get(s.url(path)).bearer_auth(token.to_owned()).send();

    assert_eq!(
        get("/back-office", &staff)
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ann (staff)"
    );
    let (status, body) = status_json(get("/back-office", &customer).await.unwrap()).await;
    assert_error(status, &body, 403, "LoginTypeMismatchError");
    assert_eq!(
        (body["expected_type"].as_str(), body["actual_type"].as_str()),
        (Some("staff"), Some("customer"))
    );
    let (status, body) = status_json(get("/back-office", &plain).await.unwrap()).await;
    assert_error(status, &body, 403, "LoginTypeMismatchError");
    assert!(
        body.get("actual_type").is_none(),
        "a token without a kind: {body}"
    );

    // Different structs per kind.
    assert_eq!(
        get("/whoami/staff", &staff)
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "staff member ann"
    );
    assert_eq!(
        get("/whoami/customer", &customer)
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "bob"
    );
    let (status, body) = status_json(get("/whoami/staff", &customer).await.unwrap()).await;
    assert_error(status, &body, 403, "LoginTypeMismatchError");
    let (status, body) = status_json(get("/whoami/customer", &staff).await.unwrap()).await;
    assert_error(status, &body, 403, "LoginTypeMismatchError");

    // The claim is AuthX's: `login_type` in the payload.
    assert_eq!(auth.verify(&staff).unwrap().extra["login_type"], "staff");
    let entry = authx::registry::entries()
        .into_iter()
        .find(|e| e.handler == "back_office")
        .unwrap();
    assert_eq!(entry.rules().unwrap().kind, Some("staff"));
    assert!(authx::registry::audit_table().contains("kind=staff"));
}
