//! Conformance for factor records ([`FactorStore`](crate::store::FactorStore)).

use super::unique;
use crate::store::Stores;

/// Factor records: put, read back and replaced; listed by id (in `String` order: by bytes,
/// whatever a database's collation) for one subject and kind only; removed exactly once,
/// also by one of 32 concurrent calls; all of a subject's records of a kind removed and
/// counted, the others kept; values up to 16 KiB (any bytes, none at all) read back as
/// written; and subjects, kinds and ids with `:`, `%`, braces, spaces or unicode never taken
/// for one another.
pub async fn factors(stores: &Stores) {
    put_get_replace(stores).await;
    listing(stores).await;
    remove_once(stores).await;
    remove_all(stores).await;
    values(stores).await;
    odd_names(stores).await;
}

async fn put_get_replace(stores: &Stores) {
    let f = &stores.factors;
    let (subject, other) = (unique("user"), unique("user"));
    assert_eq!(
        f.get_factor(&subject, "totp", "primary").await.unwrap(),
        None
    );
    f.put_factor(&subject, "totp", "primary", b"first")
        .await
        .unwrap();
    assert_eq!(
        f.get_factor(&subject, "totp", "primary").await.unwrap(),
        Some(b"first".to_vec()),
        "factors: a record reads back as put"
    );
    f.put_factor(&subject, "totp", "primary", b"second")
        .await
        .unwrap();
    assert_eq!(
        f.get_factor(&subject, "totp", "primary").await.unwrap(),
        Some(b"second".to_vec()),
        "factors: a second put replaces the value"
    );
    assert_eq!(
        f.list_factors(&subject, "totp").await.unwrap(),
        [("primary".to_owned(), b"second".to_vec())],
        "factors: a replaced record is one record"
    );
    assert_eq!(f.get_factor(&subject, "totp", "other").await.unwrap(), None);
    assert_eq!(
        f.get_factor(&subject, "passkey", "primary").await.unwrap(),
        None,
        "factors: a record is found under its own kind only"
    );
    assert_eq!(
        f.get_factor(&other, "totp", "primary").await.unwrap(),
        None,
        "factors: a record is found for its own subject only"
    );
    assert_eq!(f.remove_factors(&subject, "totp").await.unwrap(), 1);
}

async fn listing(stores: &Stores) {
    let f = &stores.factors;
    let (subject, other) = (unique("user"), unique("user"));
    // Out of order, and where bytes and a collation disagree: `B` < `a`, `10` < `9`, `~` < `é`.
    let ids = ["b", "a-2", "é", "B", "~", "a", "10", "9"];
    for (n, id) in ids.iter().enumerate() {
        f.put_factor(&subject, "recovery", id, &[u8::try_from(n).unwrap()])
            .await
            .unwrap();
    }
    f.put_factor(&other, "recovery", "a", b"theirs")
        .await
        .unwrap();
    f.put_factor(&subject, "passkey", "a", b"another kind")
        .await
        .unwrap();
    let mut expected: Vec<(String, Vec<u8>)> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| ((*id).to_owned(), vec![u8::try_from(n).unwrap()]))
        .collect();
    expected.sort();
    assert_eq!(
        f.list_factors(&subject, "recovery").await.unwrap(),
        expected,
        "factors: a subject's records of a kind are listed, sorted by id (by bytes), and \
         no other subject's or kind's"
    );
    assert_eq!(
        f.list_factors(&other, "recovery").await.unwrap(),
        [("a".to_owned(), b"theirs".to_vec())]
    );
    assert_eq!(
        f.list_factors(&subject, "passkey").await.unwrap(),
        [("a".to_owned(), b"another kind".to_vec())]
    );
    assert!(
        f.list_factors(&unique("user"), "recovery")
            .await
            .unwrap()
            .is_empty(),
        "factors: a subject with no records lists none"
    );
    for (s, kind) in [
        (&subject, "recovery"),
        (&other, "recovery"),
        (&subject, "passkey"),
    ] {
        f.remove_factors(s, kind).await.unwrap();
    }
}

/// 32 concurrent removals of one record (a recovery code used at once from 32 places).
async fn remove_once(stores: &Stores) {
    let f = &stores.factors;
    let (subject, other) = (unique("user"), unique("user"));
    for s in [&subject, &other] {
        f.put_factor(s, "recovery", "code", b"").await.unwrap();
    }
    f.put_factor(&subject, "recovery", "kept", b"")
        .await
        .unwrap();
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (f, subject) = (stores.factors.clone(), subject.clone());
            tokio::spawn(async move { f.remove_factor(&subject, "recovery", "code").await })
        })
        .collect();
    let mut removed = 0;
    for t in tasks {
        removed += usize::from(t.await.unwrap().unwrap());
    }
    assert_eq!(
        removed, 1,
        "factors: exactly one of 32 concurrent removals of a record is true"
    );
    assert_eq!(
        f.get_factor(&subject, "recovery", "code").await.unwrap(),
        None
    );
    assert!(
        !f.remove_factor(&subject, "recovery", "code").await.unwrap(),
        "factors: a record is removed once"
    );
    assert!(
        !f.remove_factor(&subject, "recovery", "never")
            .await
            .unwrap()
    );
    assert!(
        !f.remove_factor(&unique("user"), "recovery", "code")
            .await
            .unwrap()
    );
    assert_eq!(
        f.get_factor(&other, "recovery", "code").await.unwrap(),
        Some(Vec::new()),
        "factors: removing a subject's record leaves another's with the same id"
    );
    assert_eq!(
        f.list_factors(&subject, "recovery").await.unwrap(),
        [("kept".to_owned(), Vec::new())],
        "factors: removing a record leaves its siblings"
    );
    for s in [&subject, &other] {
        f.remove_factors(s, "recovery").await.unwrap();
    }
}

async fn remove_all(stores: &Stores) {
    let f = &stores.factors;
    let (subject, other) = (unique("user"), unique("user"));
    for id in ["c1", "c2", "c3"] {
        f.put_factor(&subject, "recovery", id, id.as_bytes())
            .await
            .unwrap();
    }
    f.put_factor(&subject, "totp", "primary", b"secret")
        .await
        .unwrap();
    f.put_factor(&other, "recovery", "c1", b"c1").await.unwrap();
    assert_eq!(
        f.remove_factors(&subject, "recovery").await.unwrap(),
        3,
        "factors: remove_factors counts the records it removed"
    );
    assert!(
        f.list_factors(&subject, "recovery")
            .await
            .unwrap()
            .is_empty(),
        "factors: remove_factors removes every record of the kind"
    );
    assert_eq!(
        f.get_factor(&subject, "recovery", "c2").await.unwrap(),
        None
    );
    assert_eq!(
        f.remove_factors(&subject, "recovery").await.unwrap(),
        0,
        "factors: and a second call finds none"
    );
    assert_eq!(
        f.get_factor(&subject, "totp", "primary").await.unwrap(),
        Some(b"secret".to_vec()),
        "factors: remove_factors keeps the subject's other kinds"
    );
    assert_eq!(
        f.list_factors(&other, "recovery").await.unwrap(),
        [("c1".to_owned(), b"c1".to_vec())],
        "factors: remove_factors keeps other subjects' records"
    );
    f.put_factor(&subject, "recovery", "c1", b"again")
        .await
        .unwrap();
    assert_eq!(
        f.list_factors(&subject, "recovery").await.unwrap(),
        [("c1".to_owned(), b"again".to_vec())],
        "factors: a kind can be filled again once emptied"
    );
    for (s, kind) in [
        (&subject, "recovery"),
        (&subject, "totp"),
        (&other, "recovery"),
    ] {
        assert_eq!(f.remove_factors(s, kind).await.unwrap(), 1);
    }
}

/// Values of every byte, up to 16 KiB, and the empty value.
async fn values(stores: &Stores) {
    let f = &stores.factors;
    let subject = unique("user");
    let full: Vec<u8> = (0..16 * 1024)
        .map(|i: usize| u8::try_from((i * 7 + i / 256) % 256).unwrap())
        .collect();
    let cases: [(&str, Vec<u8>); 5] = [
        ("full", full),
        ("empty", Vec::new()),
        ("not-utf8", vec![0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x00]),
        ("nul", vec![0]),
        ("text", "é 用户 \u{0}\n\r\t'\"\\".as_bytes().to_vec()),
    ];
    for (id, value) in &cases {
        f.put_factor(&subject, "passkey", id, value).await.unwrap();
    }
    for (id, value) in &cases {
        assert_eq!(
            f.get_factor(&subject, "passkey", id)
                .await
                .unwrap()
                .as_ref(),
            Some(value),
            "factors: value {id:?} ({} bytes) reads back byte for byte",
            value.len()
        );
    }
    let mut expected: Vec<(String, Vec<u8>)> = cases
        .iter()
        .map(|(id, value)| ((*id).to_owned(), value.clone()))
        .collect();
    expected.sort();
    // Not `assert_eq!`: a failure would print 16 KiB twice.
    assert!(
        f.list_factors(&subject, "passkey").await.unwrap() == expected,
        "factors: values are listed byte for byte"
    );
    f.put_factor(&subject, "passkey", "full", b"")
        .await
        .unwrap();
    assert_eq!(
        f.get_factor(&subject, "passkey", "full").await.unwrap(),
        Some(Vec::new()),
        "factors: a value is replaced by an empty one"
    );
    assert_eq!(f.remove_factors(&subject, "passkey").await.unwrap(), 5);
}

/// Names a store could confuse, were it to join them: `a:b` of kind `c` and `a` of kind
/// `b:c` (a key of subject, then kind), kind `k` of `<s>:z` and kind `k:<s>` of `z` (kind,
/// then subject), an escape spelt out, braces (a cluster's hash tags), spaces, unicode.
async fn odd_names(stores: &Stores) {
    let f = &stores.factors;
    let base = unique("odd");
    let tagged = format!("k:{base}");
    let records: Vec<(String, &str, &str)> = vec![
        (format!("{base}a:b"), "c", "id"),
        (format!("{base}a"), "b:c", "id"),
        (format!("{base}:z"), "k", "id"),
        ("z".to_owned(), &tagged, "id"),
        (format!("{base}a"), "b%3Ac", "id"),
        (format!("{base}a"), "b%c", "id"),
        (format!("{{{base}}}"), "c", "id:1"),
        (format!("{base} {{x}}"), "c", "{id}"),
        (format!("{base} {{x}}"), "c", "id 2"),
        (format!("{base}用户 é"), "c", "ключ"),
        (format!("{base}用户 é"), "c d", "ключ"),
    ];
    for (n, (subject, kind, id)) in records.iter().enumerate() {
        f.put_factor(subject, kind, id, n.to_string().as_bytes())
            .await
            .unwrap();
    }
    for (n, (subject, kind, id)) in records.iter().enumerate() {
        assert_eq!(
            f.get_factor(subject, kind, id).await.unwrap(),
            Some(n.to_string().into_bytes()),
            "factors: subject {subject:?}, kind {kind:?}, id {id:?} is a record of its own"
        );
        let mut expected: Vec<(String, Vec<u8>)> = records
            .iter()
            .enumerate()
            .filter(|(_, (s, k, _))| s == subject && k == kind)
            .map(|(m, (_, _, i))| ((*i).to_owned(), m.to_string().into_bytes()))
            .collect();
        expected.sort();
        assert_eq!(
            f.list_factors(subject, kind).await.unwrap(),
            expected,
            "factors: subject {subject:?} and kind {kind:?} list their own records only"
        );
    }
    let (subject, kind, id) = &records[0];
    assert!(f.remove_factor(subject, kind, id).await.unwrap());
    for (subject, kind, id) in &records[1..] {
        assert!(
            f.get_factor(subject, kind, id).await.unwrap().is_some(),
            "factors: removing another record left {subject:?}, {kind:?}, {id:?}"
        );
    }
    for (subject, kind, _) in &records[1..] {
        f.remove_factors(subject, kind).await.unwrap();
    }
}
