//! Tests of [`Authz`] on a documents domain: owners, shares with viewer and editor roles, org
//! admins, public documents.

use serde_json::json;

use super::*;

const SCHEMA: &str = r#"namespace Docs {
    entity Org;
    entity User in [Org] { admin_of: Set<Org> };
    entity Document {
        owner: User,
        org: Org,
        public: Bool,
        viewers: Set<User>,
        editors: Set<User>,
    };
    action read, edit, delete appliesTo {
        principal: User,
        resource: Document,
        context: { time: Long, dpop: Bool, ip?: ipaddr, route?: String, acr?: String },
    };
}"#;

const POLICIES: &str = r#"
@id("owner")
permit(principal, action, resource) when { resource.owner == principal };

@id("public-read")
permit(principal, action == Docs::Action::"read", resource) when { resource.public };

@id("viewers-read")
permit(principal, action == Docs::Action::"read", resource)
    when { resource.viewers.contains(principal) || resource.editors.contains(principal) };

@id("editors-edit")
permit(principal, action == Docs::Action::"edit", resource)
    when { resource.editors.contains(principal) };

@id("org-admins")
permit(principal, action, resource) when { principal.admin_of.contains(resource.org) };
"#;

struct Doc {
    id: u32,
    owner: &'static str,
    public: bool,
    viewers: Vec<&'static str>,
    editors: Vec<&'static str>,
}

impl AuthzEntity for Doc {
    const TYPE: &'static str = "Document";
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn attrs(&self) -> Attrs {
        Attrs::new()
            .with("owner", Attr::entity("User", self.owner))
            .with("org", Attr::entity("Org", "acme"))
            .with("public", self.public)
            .with(
                "viewers",
                Attr::entities("User", self.viewers.iter().copied()),
            )
            .with(
                "editors",
                Attr::entities("User", self.editors.iter().copied()),
            )
    }
}

fn doc() -> Doc {
    Doc {
        id: 7,
        owner: "olivia",
        public: false,
        viewers: vec!["victor"],
        editors: vec!["edith"],
    }
}

fn user(id: &str) -> Principal {
    Principal::new(id).with_attrs(json!({ "admin_of": [] }))
}

fn authz() -> Authz {
    Authz::from_sources(SCHEMA, &[("documents.cedar", POLICIES)]).unwrap()
}

fn may(authz: &Authz, who: &Principal, action: &str, d: &Doc) -> AuthzDecision {
    authz.decide(who, action, d, &AuthzContext::at(1_700_000_000))
}

#[test]
fn each_rule_allows_what_it_says_and_nothing_more() {
    let a = authz();
    let d = doc();
    let allowed = |who: &Principal, action: &str| may(&a, who, action, &d).allowed;
    for action in ["Document::read", "Document::edit", "Document::delete"] {
        assert!(allowed(&user("olivia"), action), "owner {action}");
    }
    assert!(allowed(&user("victor"), "Document::read"));
    assert!(!allowed(&user("victor"), "Document::edit"));
    assert!(allowed(&user("edith"), "Document::read"));
    assert!(allowed(&user("edith"), "Document::edit"));
    assert!(!allowed(&user("edith"), "Document::delete"));
    assert!(!allowed(&user("mallory"), "Document::read"));
    let admin =
        Principal::new("ada").with_attrs(json!({ "admin_of": [entity_ref("Org", "acme")] }));
    assert!(allowed(&admin, "Document::delete"));
    let public = Doc {
        public: true,
        ..doc()
    };
    assert!(may(&a, &user("mallory"), "Document::read", &public).allowed);
    assert!(!may(&a, &user("mallory"), "Document::edit", &public).allowed);
}

#[test]
fn a_decision_names_its_policies_and_refusals_are_policy_denied() {
    let a = authz();
    let d = may(&a, &user("edith"), "Document::edit", &doc());
    assert_eq!(d.policies, ["editors-edit"]);
    assert!(d.errors.is_empty());
    assert!(d.clone().into_result().is_ok());
    let refused = may(&a, &user("mallory"), "Document::edit", &doc());
    assert!(refused.policies.is_empty());
    let err = refused.into_result().unwrap_err();
    assert_eq!(err.error_type(), "PolicyDeniedError");
    assert_eq!(err.status().as_u16(), 403);
}

#[test]
fn entities_that_do_not_fit_the_schema_fail_closed() {
    let a = authz();
    // The principal lacks `admin_of`, which the schema requires.
    let d = may(&a, &Principal::new("olivia"), "Document::edit", &doc());
    assert!(!d.allowed);
    assert!(!d.errors.is_empty());
    let err = d.into_result().unwrap_err();
    assert_eq!(err.error_type(), "PolicyEvaluationError");
}

#[test]
fn an_erroring_forbid_refuses_rather_than_being_skipped() {
    let forbid = r#"@id("no-untrusted")
        forbid(principal, action, resource) when { context.acr == "untrusted" };"#;
    let a = Authz::from_sources(
        SCHEMA,
        &[("documents.cedar", POLICIES), ("forbid.cedar", forbid)],
    );
    // Strict validation refuses `context.acr` without `has`: the set is not taken.
    assert!(matches!(a, Err(AuthzError::Invalid(_))), "{a:?}");
}

#[test]
fn actions_are_checked_against_the_schema() {
    let a = authz();
    a.check_action("Document::edit").unwrap();
    a.check_action("Docs::Document::edit").unwrap();
    let unknown = a.check_action("Document::publish").unwrap_err();
    assert!(unknown.to_string().contains("no action"), "{unknown}");
    assert!(matches!(
        a.check_action("Folder::edit"),
        Err(AuthzError::UnknownType(_))
    ));
    assert_eq!(
        a.actions_of_type("Document"),
        ["Document::delete", "Document::edit", "Document::read"]
    );
}

#[test]
fn filter_and_actions_on() {
    let a = authz();
    let docs = vec![
        doc(),
        Doc {
            id: 8,
            public: true,
            ..doc()
        },
        Doc {
            id: 9,
            owner: "victor",
            viewers: vec![],
            ..doc()
        },
    ];
    let ctx = AuthzContext::at(0);
    let readable: Vec<u32> = a
        .filter(&user("victor"), "Document::read", docs, &ctx)
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(readable, [7, 8, 9]);
    assert_eq!(
        a.actions_on(&user("edith"), &doc(), &ctx),
        ["Document::edit", "Document::read"]
    );
    assert!(a.actions_on(&user("mallory"), &doc(), &ctx).is_empty());
}

#[test]
fn a_bad_set_keeps_the_policies_in_force() {
    let a = authz();
    let before = a.policy_ids();
    assert!(
        a.replace(&[("broken.cedar", "permit(principal, action")])
            .is_err()
    );
    // Parses, but names an attribute the schema lacks: not valid.
    let invalid = r#"permit(principal, action, resource) when { resource.secret };"#;
    assert!(matches!(
        a.replace(&[("invalid.cedar", invalid)]),
        Err(AuthzError::Invalid(_))
    ));
    assert_eq!(a.policy_ids(), before);
    assert!(may(&a, &user("edith"), "Document::edit", &doc()).allowed);
    // A good one replaces them.
    let only_owner = r#"permit(principal, action, resource) when { resource.owner == principal };"#;
    assert_eq!(a.replace(&[("owner.cedar", only_owner)]).unwrap(), 1);
    assert_eq!(a.policy_ids(), ["owner.cedar#0"]);
    assert!(!may(&a, &user("edith"), "Document::edit", &doc()).allowed);
}

#[test]
fn policies_from_files_reload() {
    let dir = std::env::temp_dir().join(format!("authx-authz-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("schema.cedarschema"), SCHEMA).unwrap();
    std::fs::write(dir.join("documents.cedar"), POLICIES).unwrap();
    let a = Authz::from_files(dir.join("schema.cedarschema"), &dir).unwrap();
    assert!(may(&a, &user("edith"), "Document::edit", &doc()).allowed);
    std::fs::write(dir.join("documents.cedar"), "permit(principal, action").unwrap();
    assert!(a.reload().is_err());
    assert!(may(&a, &user("edith"), "Document::edit", &doc()).allowed);
    std::fs::write(
        dir.join("documents.cedar"),
        r#"@id("owner") permit(principal, action, resource) when { resource.owner == principal };"#,
    )
    .unwrap();
    assert_eq!(a.reload().unwrap(), 1);
    assert!(!may(&a, &user("edith"), "Document::edit", &doc()).allowed);
    assert!(may(&a, &user("olivia"), "Document::edit", &doc()).allowed);
    let _ = std::fs::remove_dir_all(dir);
}

/// Found by an outside review: each of these let a request through or refused it wrongly.
mod review {
    use super::*;

    const SCHEMA: &str = r#"namespace App {
        entity User { suspended: Bool, meta: { type: String, id: String } };
        entity Profile { owner: User };
        action view appliesTo { principal: User, resource: [Profile, User] };
    }"#;

    struct Profile(&'static str);
    impl AuthzEntity for Profile {
        const TYPE: &'static str = "Profile";
        fn id(&self) -> String {
            format!("p-{}", self.0)
        }
        fn attrs(&self) -> Attrs {
            json!({ "owner": entity_ref("User", self.0) }).into()
        }
    }

    struct Me(&'static str);
    impl AuthzEntity for Me {
        const TYPE: &'static str = "User";
        fn id(&self) -> String {
            self.0.into()
        }
        fn attrs(&self) -> Attrs {
            json!({ "suspended": false, "meta": { "type": "User", "id": "x" } }).into()
        }
    }

    fn user(id: &str) -> Principal {
        Principal::new(id)
            .with_attrs(json!({ "suspended": false, "meta": { "type": "pdf", "id": "1" } }))
    }

    #[test]
    fn an_erring_forbid_leaves_no_allow_standing() {
        // The profile's owner is not among the entities: the forbid errs, the permit holds.
        let policies = r#"
            @id("all") permit(principal, action, resource);
            @id("suspended") forbid(principal, action, resource is App::Profile)
                when { resource.owner.suspended };"#;
        let a = Authz::from_sources(SCHEMA, &[("p.cedar", policies)]).unwrap();
        let d = a.decide(
            &user("bob"),
            "Profile::view",
            &Profile("alice"),
            &AuthzContext::at(0),
        );
        assert!(!d.errors.is_empty(), "{d:?}");
        assert!(!d.allowed, "{d:?}");
        assert!(
            a.filter(
                &user("bob"),
                "Profile::view",
                [Profile("alice")],
                &AuthzContext::at(0)
            )
            .is_empty()
        );
    }

    #[test]
    fn a_principal_may_act_on_its_own_entity_and_records_keep_their_keys() {
        let policies = r#"permit(principal, action, resource is App::User)
            when { principal == resource && resource.meta.type == "User" };"#;
        let a = Authz::from_sources(SCHEMA, &[("p.cedar", policies)]).unwrap();
        let d = a.decide(
            &user("alice"),
            "User::view",
            &Me("alice"),
            &AuthzContext::at(0),
        );
        assert!(d.allowed && d.errors.is_empty(), "{d:?}");
        assert!(
            !a.decide(
                &user("bob"),
                "User::view",
                &Me("alice"),
                &AuthzContext::at(0)
            )
            .allowed
        );
    }

    #[test]
    fn an_authz_with_a_principal_type_follows_reloads() {
        let a = Authz::from_sources(
            SCHEMA,
            &[("p.cedar", "permit(principal, action, resource);")],
        )
        .unwrap();
        let typed = a.clone().principal_type("User").unwrap();
        assert!(
            typed
                .decide(
                    &user("bob"),
                    "Profile::view",
                    &Profile("a"),
                    &AuthzContext::at(0)
                )
                .allowed
        );
        a.replace(&[("none.cedar", "forbid(principal, action, resource);")])
            .unwrap();
        assert!(
            !typed
                .decide(
                    &user("bob"),
                    "Profile::view",
                    &Profile("a"),
                    &AuthzContext::at(0)
                )
                .allowed
        );
    }
}

#[test]
fn a_principal_of_a_type_the_action_does_not_apply_to_fails_closed() {
    let a = authz();
    // `Org` is an entity type of the schema, but no action applies to it as a principal: a
    // type-agnostic permit (`owner`) must not allow it, nor a typed forbid miss it.
    let org = Principal::new("olivia").with_type("Org");
    let d = may(&a, &org, "Document::read", &doc());
    assert!(!d.allowed);
    assert!(
        d.errors.iter().any(|e| e.contains("not a principal")),
        "{:?}",
        d.errors
    );
}
