//! Conformance for a subject's sessions at scale: subject-wide ends (generations), pages of
//! sessions, the cap's "beyond the newest" query, and ending every session at once.

use super::{session, unique};
use crate::clock::unix_now as now;
use crate::store::{SessionCursor, SessionMark, Stores};

fn mark<'a>(subject: &'a str, session: &'a str, generation: u64) -> SessionMark<'a> {
    SessionMark {
        subject,
        session,
        generation,
    }
}

/// A subject's end: sessions of earlier generations are refused (with the token's own keys, in
/// `any_revoked_or_ended`), sessions begun after it are not, even within the same second; a kept
/// session lives, and one already ended is never kept again; other subjects are untouched.
pub async fn session_ends(stores: &Stores) {
    let r = &stores.revocation;
    let (subject, other) = (unique("user"), unique("user"));
    let (jti, until) = (unique("jti"), now() + 600);
    assert_eq!(r.session_generation(&subject).await.unwrap(), 0);
    let old = mark(&subject, "old", 0);
    let kept = mark(&subject, "kept", 0);
    assert!(!r.any_revoked_or_ended(&[&jti], Some(&old)).await.unwrap());
    let g1 = r
        .end_sessions(&subject, Some(&kept), now(), until)
        .await
        .unwrap();
    assert!(g1 > 0, "an end moves the generation on");
    assert_eq!(r.session_generation(&subject).await.unwrap(), g1);
    assert!(
        r.any_revoked_or_ended(&[&jti], Some(&old)).await.unwrap(),
        "a session of an earlier generation is ended"
    );
    assert!(
        r.any_revoked_or_ended(&[], Some(&old)).await.unwrap(),
        "with no keys at all too"
    );
    assert!(
        !r.any_revoked_or_ended(&[&jti], Some(&kept)).await.unwrap(),
        "the kept session lives"
    );
    let fresh = mark(&subject, "fresh", g1);
    assert!(
        !r.any_revoked_or_ended(&[&jti], Some(&fresh)).await.unwrap(),
        "a session begun after the end lives"
    );
    assert!(
        !r.any_revoked_or_ended(&[&jti], Some(&mark(&other, "old", 0)))
            .await
            .unwrap(),
        "another subject's sessions are untouched"
    );
    assert!(!r.any_revoked_or_ended(&[&jti], None).await.unwrap());
    r.revoke(&jti, until).await.unwrap();
    assert!(
        r.any_revoked_or_ended(&[&jti], Some(&fresh)).await.unwrap(),
        "the token's own keys still count"
    );
    // Again within the same second, keeping an ended session: it stays ended; the earlier
    // kept one is not kept now; the fresh one ends.
    let g2 = r
        .end_sessions(&subject, Some(&old), now(), until)
        .await
        .unwrap();
    assert!(
        g2 > g1,
        "every end moves the generation on, even in the same second"
    );
    for (m, what) in [
        (old, "an ended session is never kept again"),
        (kept, "an earlier kept session"),
        (fresh, "the session begun before this end"),
    ] {
        assert!(
            r.any_revoked_or_ended(&[], Some(&m)).await.unwrap(),
            "{what}"
        );
    }
    assert!(
        !r.any_revoked_or_ended(&[], Some(&mark(&subject, "n", g2)))
            .await
            .unwrap()
    );
}

/// An end whose record has expired never hides a session stored after it, even of an earlier
/// generation (the revocation store forgets its own record on time, and a login then begins
/// again at generation 0): it is read, listed and revocable as any live session.
pub async fn stale_ends(stores: &Stores) {
    let s = &stores.sessions;
    let subject = unique("user");
    // An end that reached no session: its record lasts no longer than now.
    s.end_subject_sessions(&subject, None, 1_000, now() - 10)
        .await
        .unwrap();
    let later = session(&subject, now()).with_generation(Some(0));
    s.create_session(&later).await.unwrap();
    let read = s.get_session(&later.id).await.unwrap().expect("stored");
    assert!(
        !read.revoked,
        "a later session is not ended by an expired record"
    );
    let listed = s.list_sessions(&subject, now()).await.unwrap();
    assert_eq!(listed.len(), 1, "listed");
    assert!(
        s.mark_session_revoked(&later.id).await.unwrap(),
        "revocable"
    );
}

/// Pages: oldest first, a page after a cursor, `limit` at most, revoked sessions skipped; the
/// sessions beyond the newest N, oldest first; ending every session of a subject below a
/// generation at once, except one, and reporting those without a generation.
pub async fn session_pages(stores: &Stores) {
    let s = &stores.sessions;
    let subject = unique("user");
    let t = now();
    let mut made = Vec::new();
    for i in 0..7 {
        // Two sessions per second: the id orders those of one second.
        let one =
            session(&subject, t - 100 + i / 2).with_generation(Some(u64::try_from(i).unwrap_or(0)));
        s.create_session(&one).await.unwrap();
        made.push(one);
    }
    made.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let ids = |v: &[crate::store::Session]| v.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    let first = s
        .list_sessions_page(&subject, now(), None, 3)
        .await
        .unwrap();
    assert_eq!(ids(&first), ids(&made[..3]), "the first page, oldest first");
    let after = SessionCursor::after(&first[2]);
    let second = s
        .list_sessions_page(&subject, now(), Some(&after), 3)
        .await
        .unwrap();
    assert_eq!(ids(&second), ids(&made[3..6]), "the page after a cursor");
    assert!(s.mark_session_revoked(&made[6].id).await.unwrap());
    let last = SessionCursor::after(&second[2]);
    assert!(
        s.list_sessions_page(&subject, now(), Some(&last), 3)
            .await
            .unwrap()
            .is_empty(),
        "a revoked session is not listed"
    );
    let beyond = s.sessions_beyond(&subject, now(), 4).await.unwrap();
    assert_eq!(
        ids(&beyond),
        ids(&made[..2]),
        "the oldest beyond the four newest live"
    );
    assert!(
        s.sessions_beyond(&subject, now(), 6)
            .await
            .unwrap()
            .is_empty()
    );
    let legacy = session(&subject, t - 200).with_generation(None);
    s.create_session(&legacy).await.unwrap();
    // Ending them all, as `Sessions::revoke_all` does: the record, then the sessions.
    let keep = made[1].id.clone();
    let kept = SessionMark {
        subject: &subject,
        session: &keep,
        generation: made[1].generation.unwrap_or(0),
    };
    let generation = stores
        .revocation
        .end_sessions(&subject, Some(&kept), now(), now() + 600)
        .await
        .unwrap();
    let ended = s
        .end_subject_sessions(&subject, Some(&keep), generation, now())
        .await
        .unwrap();
    assert_eq!(
        ended.count, 6,
        "every live session but the kept one, the one without a generation included"
    );
    assert_eq!(
        ended.unstamped,
        std::slice::from_ref(&legacy.id),
        "the one without a generation is named"
    );
    let left = s
        .list_sessions_page(&subject, now(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        ids(&left),
        std::slice::from_ref(&keep),
        "only the kept session is left"
    );
    for m in made.iter().filter(|m| m.id != keep) {
        assert!(
            s.get_session(&m.id).await.unwrap().unwrap().revoked,
            "ended sessions read as revoked"
        );
    }
    assert!(!s.get_session(&keep).await.unwrap().unwrap().revoked);
}

/// The engine's cap and "log out everywhere" on these stores: past
/// `max_sessions_per_subject` the oldest session ends (its tokens refused); after
/// `revoke_all_sessions` every earlier token is refused and a login in the same second works.
pub async fn session_cap(stores: Stores) {
    let config = crate::AuthConfig::builder()
        .secret_key("authx-store-conformance-secret-0123456789")
        .max_sessions_per_subject(2)
        .store_timeout(std::time::Duration::from_secs(10))
        .build();
    // One login a second, so "oldest" is plain (sessions of one second are ordered by id).
    let clock = crate::clock::ManualClock::at(now());
    let auth = crate::Auth::builder(config)
        .stores(stores)
        .clock(clock.clone())
        .build()
        .unwrap();
    let subject = unique("user");
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        clock.advance(std::time::Duration::from_secs(1));
        let s = auth
            .create_session(&subject, crate::SessionMeta::default())
            .await
            .unwrap();
        tokens.push(auth.access_token(&subject).session(&s.id).issue().unwrap());
        ids.push(s.id);
    }
    let err = auth.verify_unrevoked(&tokens[0]).await.unwrap_err();
    assert!(
        matches!(err, crate::AuthError::Revoked),
        "the oldest session ended at the cap: {err:?}"
    );
    let listed: Vec<String> = auth
        .sessions()
        .list(&subject)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, ids[1..], "the two newest are left");
    assert_eq!(auth.revoke_all_sessions(&subject, None).await.unwrap(), 2);
    for t in &tokens[1..] {
        assert!(
            auth.verify_unrevoked(t).await.is_err(),
            "ended by revoke-all"
        );
    }
    let s = auth
        .create_session(&subject, crate::SessionMeta::default())
        .await
        .unwrap();
    let fresh = auth.access_token(&subject).session(&s.id).issue().unwrap();
    assert!(
        auth.verify_unrevoked(&fresh).await.is_ok(),
        "a login right after revoke-all is accepted"
    );
}
