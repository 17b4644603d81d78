//! [`RawClaims`]: a token's payload as it arrives, read in one pass. The registered claims are
//! matched by name without allocating a key; anything else goes to the extra data. No
//! `serde(flatten)` (which buffers the whole payload into an intermediate tree before reading
//! it again) and no untagged enums. A claim named twice is refused: two parsers must never
//! read two different tokens out of the same bytes.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::claims::{Extra, RESERVED_CLAIMS, de_opt_numeric_date};

/// The payload before authx's checks: every registered claim optional, so a missing one is
/// reported by name instead of as a generic shape error.
#[derive(Debug, Default)]
pub(crate) struct RawClaims {
    pub sub: Option<String>,
    pub jti: Option<String>,
    pub token_type: Option<TypeClaim>,
    pub fresh: Option<bool>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub iss: Option<String>,
    pub aud: Vec<String>,
    pub csrf: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub sid: Option<String>,
    pub auth_time: Option<i64>,
    pub extra: Extra,
}

/// The `type` claim, read without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeClaim {
    Access,
    Refresh,
    /// Any other string.
    Other,
}

impl<'de> Deserialize<'de> for TypeClaim {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TypeClaim;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a token type")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TypeClaim, E> {
                Ok(match v {
                    "access" => TypeClaim::Access,
                    "refresh" => TypeClaim::Refresh,
                    _ => TypeClaim::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// A claim name: one of the registered ones (by their bit in the seen-set), or another.
enum Field {
    Known(u16),
    Other(String),
}

/// The registered claims, in the order the visitor's `match` reads them (the reserved names,
/// checked by a test).
const NAMES: &[&str] = RESERVED_CLAIMS;

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Field, E> {
                Ok(match known(name) {
                    Some(i) => Field::Known(i),
                    None => Field::Other(name.to_owned()),
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// The index of a registered claim in [`NAMES`] (a test checks that they agree): one `match`,
/// which compiles to a length switch, instead of a scan comparing the name with each.
fn known(name: &str) -> Option<u16> {
    Some(match name {
        "sub" => 0,
        "jti" => 1,
        "type" => 2,
        "fresh" => 3,
        "iat" => 4,
        "nbf" => 5,
        "exp" => 6,
        "iss" => 7,
        "aud" => 8,
        "csrf" => 9,
        "scopes" => 10,
        "sid" => 11,
        "auth_time" => 12,
        _ => return None,
    })
}

/// A NumericDate or null.
struct Date(Option<i64>);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de_opt_numeric_date(d).map(Date)
    }
}

/// `aud`: one string, a list of strings, or null.
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![s.to_owned()]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<OneOrMany, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<OneOrMany, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
                while let Some(s) = seq.next_element::<String>()? {
                    all.push(s);
                }
                Ok(OneOrMany(all))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawClaims {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawClaims;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of claims")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawClaims, A::Error> {
                let mut c = RawClaims::default();
                let mut seen = 0u16;
                while let Some(field) = map.next_key::<Field>()? {
                    let i = match field {
                        Field::Known(i) => i,
                        Field::Other(name) => {
                            if name == super::claims::API_KEY_CLAIM {
                                // Only an API key's claims carry it, never a token.
                                return Err(de::Error::custom(format!(
                                    "claim `{name}` is reserved for API keys"
                                )));
                            }
                            let value = map.next_value()?;
                            if c.extra.contains_key(&name) {
                                return Err(de::Error::custom(format!("claim `{name}` twice")));
                            }
                            c.extra.insert(name, value);
                            continue;
                        }
                    };
                    if seen & (1 << i) != 0 {
                        return Err(de::Error::duplicate_field(NAMES[usize::from(i)]));
                    }
                    seen |= 1 << i;
                    match i {
                        0 => c.sub = map.next_value()?,
                        1 => c.jti = map.next_value()?,
                        2 => c.token_type = map.next_value()?,
                        3 => c.fresh = map.next_value()?,
                        4 => c.iat = map.next_value::<Date>()?.0,
                        5 => c.nbf = map.next_value::<Date>()?.0,
                        6 => c.exp = map.next_value::<Date>()?.0,
                        7 => c.iss = map.next_value()?,
                        8 => c.aud = map.next_value::<OneOrMany>()?.0,
                        9 => c.csrf = map.next_value()?,
                        10 => c.scopes = map.next_value()?,
                        11 => c.sid = map.next_value()?,
                        _ => c.auth_time = map.next_value::<Date>()?.0,
                    }
                }
                Ok(c)
            }
        }
        d.deserialize_map(V)
    }
}

/// Any claims object (an identity provider's), with a claim named twice refused as in
/// [`RawClaims`].
#[cfg_attr(not(feature = "jwks"), allow(dead_code))]
pub(crate) struct UniqueClaims(pub Extra);

impl<'de> Deserialize<'de> for UniqueClaims {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UniqueClaims;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of claims")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueClaims, A::Error> {
                let mut all = Extra::new();
                while let Some(name) = map.next_key::<String>()? {
                    let value = map.next_value()?;
                    if all.contains_key(&name) {
                        return Err(de::Error::custom(format!("claim `{name}` twice")));
                    }
                    all.insert(name, value);
                }
                Ok(UniqueClaims(all))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<RawClaims, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn reads_registered_claims_and_keeps_the_rest() {
        let c = parse(
            r#"{"sub":"u","jti":"j","type":"access","fresh":true,"iat":1,"nbf":null,
               "exp":2.75,"iss":"i","aud":"a","csrf":"c","scopes":["x"],"sid":"s",
               "auth_time":3,"role":{"n":1},"s\u0075b2":"esc"}"#,
        )
        .unwrap();
        assert_eq!(
            (c.sub.as_deref(), c.jti.as_deref(), c.token_type),
            (Some("u"), Some("j"), Some(TypeClaim::Access))
        );
        assert_eq!(
            (c.fresh, c.iat, c.nbf, c.exp),
            (Some(true), Some(1), None, Some(2))
        );
        assert_eq!(
            (c.iss.as_deref(), c.aud.clone()),
            (Some("i"), vec!["a".to_owned()])
        );
        assert_eq!(c.scopes, Some(vec!["x".to_owned()]));
        assert_eq!((c.sid.as_deref(), c.auth_time), (Some("s"), Some(3)));
        assert_eq!(c.extra["role"]["n"], 1);
        assert_eq!(c.extra["sub2"], "esc");
        assert_eq!(
            parse(r#"{"type":"id"}"#).unwrap().token_type,
            Some(TypeClaim::Other)
        );
        let many = parse(r#"{"aud":["a","b"]}"#).unwrap();
        assert_eq!(many.aud, vec!["a", "b"]);
        assert!(parse(r#"{"aud":null}"#).unwrap().aud.is_empty());
    }

    #[test]
    fn the_visitor_reads_the_reserved_names_in_order() {
        let order = [
            "sub",
            "jti",
            "type",
            "fresh",
            "iat",
            "nbf",
            "exp",
            "iss",
            "aud",
            "csrf",
            "scopes",
            "sid",
            "auth_time",
        ];
        assert_eq!(NAMES, order);
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(super::known(name), Some(i as u16), "{name}");
            assert_eq!(super::known(&name.to_uppercase()), None);
        }
        assert_eq!(super::known("role"), None);
    }

    #[test]
    fn any_claims_refuse_duplicates_too() {
        let ok: UniqueClaims = serde_json::from_str(r#"{"a":1,"b":{"a":2}}"#).unwrap();
        assert_eq!(ok.0.len(), 2);
        assert!(serde_json::from_str::<UniqueClaims>(r#"{"a":1,"a":2}"#).is_err());
        assert!(serde_json::from_str::<UniqueClaims>(r#"[1]"#).is_err());
    }

    #[test]
    fn refuses_duplicates_and_wrong_shapes() {
        for bad in [
            r#"{"sub":"a","sub":"b"}"#,
            r#"{"s\u0075b":"a","sub":"b"}"#,
            r#"{"x":1,"x":2}"#,
            r#"{"exp":"soon"}"#,
            r#"{"exp":1e400}"#,
            r#"{"aud":[1]}"#,
            r#"{"aud":{}}"#,
            r#"{"fresh":"yes"}"#,
            r#"{"type":1}"#,
            r#"[]"#,
            r#""claims""#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
