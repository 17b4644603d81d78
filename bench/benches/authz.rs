//! Cedar authorization decisions (authx feature `authz`), on the documents example's schema and
//! policies (`examples/documents/`): users in an organization, documents they own, share with
//! viewers and editors, or publish. `cargo bench -p authx-bench --bench authz`.
//!
//! Each `decide/*` bench is one whole [`Authz::decide`]: the principal and the resource turned
//! into Cedar entity JSON and checked against the schema, the context record, the request, and
//! Cedar's evaluation of the policy set (plus the decision's `DEBUG` log event, off here):
//! what `#[protect(action = ...)]` pays per request once the route has loaded the resource.
//! `filter/100_docs` is [`Authz::filter`] over a list of 100 documents of mixed ownership (one
//! decision each); `actions_on/editor` is [`Authz::actions_on`] (one decision per action of the
//! schema on a document, four here).
//!
//! Target (issue 29): at most 20 µs per decision. Before each bench the decision it measures is
//! asserted to be the one the policies give, with no evaluation error, so that a bench can never
//! time an error path (an entity that does not fit the schema is refused fast, and would look
//! like a win).

use std::hint::black_box;

use authx::authz::{Attr, Attrs, Authz, AuthzContext, AuthzDecision, AuthzEntity, Principal};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const SCHEMA: &str = include_str!("../../examples/documents/schema.cedarschema");
const POLICIES: &str = include_str!("../../examples/documents/policies/documents.cedar");

/// 2025-10-09, seconds since the epoch.
const NOW: i64 = 1_760_000_000;
const ORG: &str = "acme";

/// A document as the example's routes load it.
#[derive(Clone)]
struct Document {
    id: u64,
    owner: String,
    org: &'static str,
    public: bool,
    viewers: Vec<String>,
    editors: Vec<String>,
}

impl AuthzEntity for Document {
    const TYPE: &'static str = "Document";
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn attrs(&self) -> Attrs {
        Attrs::new()
            .with("owner", Attr::entity("User", &self.owner))
            .with("org", Attr::entity("Org", self.org))
            .with("public", self.public)
            .with("viewers", Attr::entities("User", &self.viewers))
            .with("editors", Attr::entities("User", &self.editors))
    }
}

/// Olivia's private document, shared with Victor (viewer) and Edith (editor).
fn shared_doc() -> Document {
    Document {
        id: 7,
        owner: "olivia".into(),
        org: ORG,
        public: false,
        viewers: vec!["victor".into()],
        editors: vec!["edith".into()],
    }
}

/// A member of the organization, admin of none.
fn user(id: &str) -> Principal {
    member(id, &[])
}

/// An admin of the organization.
fn org_admin(id: &str) -> Principal {
    member(id, &[ORG])
}

/// A member of the organization, admin of `admin_of`.
fn member(id: &str, admin_of: &[&str]) -> Principal {
    Principal::new(id)
        .with_attrs(Attrs::new().with("admin_of", Attr::entities("Org", admin_of.iter().copied())))
        .with_parent("Org", ORG)
}

/// The context a request on `route` builds.
fn context(route: &str) -> AuthzContext {
    AuthzContext::at(NOW)
        .with_ip("203.0.113.7")
        .with_route(route)
}

/// 100 documents of mixed ownership: Victor owns one in ten, one in seven is public, one in
/// five is shared with him to read, one in eleven to edit; the rest are other users' private
/// documents. Owners and shares carry a few other users each, as real lists do.
fn library() -> Vec<Document> {
    (0..100u64)
        .map(|i| {
            let owner = if i % 10 == 3 {
                "victor".to_owned()
            } else {
                format!("user{}", i % 13)
            };
            let mut viewers = vec![
                format!("user{}", (i + 1) % 13),
                format!("user{}", (i + 5) % 13),
            ];
            if i % 5 == 1 {
                viewers.push("victor".into());
            }
            let mut editors = vec![format!("user{}", (i + 2) % 13)];
            if i % 11 == 4 {
                editors.push("victor".into());
            }
            Document {
                id: 1000 + i,
                owner,
                org: if i % 2 == 0 { ORG } else { "globex" },
                public: i % 7 == 0,
                viewers,
                editors,
            }
        })
        .collect()
}

/// What the example's policies say about `who` reading `doc`, written out by hand.
fn may_read(who: &str, admin_of: &[&str], doc: &Document) -> bool {
    doc.owner == who
        || doc.public
        || doc.viewers.iter().any(|u| u == who)
        || doc.editors.iter().any(|u| u == who)
        || admin_of.contains(&doc.org)
}

/// Checks that `decision` is the expected one, by the expected policies, with no error.
fn expect(name: &str, decision: &AuthzDecision, allowed: bool, policies: &[&str]) {
    assert!(
        decision.errors.is_empty(),
        "{name}: evaluation errors {:?}",
        decision.errors
    );
    assert_eq!(decision.allowed, allowed, "{name}: {decision:?}");
    assert_eq!(decision.policies, policies, "{name}: {decision:?}");
}

fn authz(c: &mut Criterion) {
    let authz = Authz::from_sources(SCHEMA, &[("documents.cedar", POLICIES)])
        .unwrap_or_else(|e| panic!("the documents example's schema and policies: {e}"));
    let doc = shared_doc();
    let mut group = c.benchmark_group("authz");

    let decides = [
        (
            "decide/owner_edit",
            user("olivia"),
            "Document::edit",
            "documents::edit",
            true,
            &["owner"][..],
        ),
        (
            "decide/viewer_read",
            user("victor"),
            "Document::read",
            "documents::read",
            true,
            &["viewers-read"][..],
        ),
        (
            "decide/stranger_edit",
            user("mallory"),
            "Document::edit",
            "documents::edit",
            false,
            &[][..],
        ),
        (
            "decide/org_admin_delete",
            org_admin("ada"),
            "Document::delete",
            "documents::delete",
            true,
            &["org-admins"][..],
        ),
    ];
    for (name, who, action, route, allowed, policies) in decides {
        let ctx = context(route);
        expect(
            name,
            &authz.decide(&who, action, &doc, &ctx),
            allowed,
            policies,
        );
        group.bench_function(name, |b| {
            b.iter(|| authz.decide(black_box(&who), black_box(action), black_box(&doc), &ctx))
        });
    }

    let docs = library();
    let victor = user("victor");
    let ctx = context("documents::list");
    let expected: Vec<u64> = docs
        .iter()
        .filter(|d| may_read("victor", &[], d))
        .map(|d| d.id)
        .collect();
    assert!(
        !expected.is_empty() && expected.len() < docs.len(),
        "a mixed list: {} of {} readable",
        expected.len(),
        docs.len()
    );
    let kept: Vec<u64> = authz
        .filter(&victor, "Document::read", docs.clone(), &ctx)
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(kept, expected, "filter/100_docs");
    for d in &docs {
        let decision = authz.decide(&victor, "Document::read", d, &ctx);
        assert!(
            decision.errors.is_empty(),
            "document {}: {decision:?}",
            d.id
        );
    }
    group.bench_function("filter/100_docs", |b| {
        b.iter_batched(
            || docs.clone(),
            |docs| authz.filter(black_box(&victor), "Document::read", docs, &ctx),
            BatchSize::SmallInput,
        )
    });

    let edith = user("edith");
    let ctx = context("documents::show");
    assert_eq!(
        authz.actions_on(&edith, &doc, &ctx),
        ["Document::edit", "Document::read"],
        "actions_on/editor"
    );
    for action in authz.actions_of_type("Document") {
        let decision = authz.decide(&edith, &action, &doc, &ctx);
        assert!(decision.errors.is_empty(), "{action}: {decision:?}");
    }
    group.bench_function("actions_on/editor", |b| {
        b.iter(|| authz.actions_on(black_box(&edith), black_box(&doc), &ctx))
    });

    group.finish();
}

criterion_group!(benches, authz);
criterion_main!(benches);
