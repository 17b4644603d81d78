//! How values travel in configuration files and tokens: durations as whole seconds or
//! milliseconds, and lists that may be written as one string (`aud`). One set of serde helpers
//! for every configuration type (`AuthConfig`, `VaultConfig`, `IssuerConfig`) and the claims.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration given in whole seconds.
pub(crate) fn de_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    Ok(Duration::from_secs(u64::deserialize(d)?))
}

/// A duration given in milliseconds.
pub(crate) fn de_millis<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    Ok(Duration::from_millis(u64::deserialize(d)?))
}

/// An optional duration given in whole seconds.
pub(crate) fn de_opt_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Ok(Option::<u64>::deserialize(d)?.map(Duration::from_secs))
}

/// One string or a list of them (`"aud": "api"` or `"aud": ["api", "web"]`); absent is empty.
pub(crate) fn de_one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// Serializes a list as a single string when it has one element (how `aud` is written).
pub(crate) fn ser_one_or_many<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    if let [one] = v {
        s.serialize_str(one)
    } else {
        v.serialize(s)
    }
}
