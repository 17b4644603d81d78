//! The crate's `[package.metadata.authx]` settings, read from its `Cargo.toml`: a minimal
//! reading of TOML, one `key = value` line of that table, where a value is a string (basic or
//! literal quotes) or an array of strings on one line. Macros read nothing else of the
//! manifest, so they need no TOML parser.

use std::path::PathBuf;

/// The table the settings are in.
const TABLE: &str = "[package.metadata.authx]";

/// The path of the crate's manifest, from `CARGO_MANIFEST_DIR` (set by Cargo for every
/// compile).
pub(crate) fn path() -> Option<PathBuf> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    Some(PathBuf::from(dir).join("Cargo.toml"))
}

/// The crate's manifest, if it can be read.
pub(crate) fn read() -> Option<String> {
    std::fs::read_to_string(path()?).ok()
}

/// The value of `key` in the manifest's `[package.metadata.authx]` table, as written (after
/// `=`, trimmed), when the table has the key on a line of its own.
fn raw_value<'a>(manifest: &'a str, key: &str) -> Option<&'a str> {
    let mut in_table = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line.trim_end_matches(|c: char| c != ']') == TABLE;
            continue;
        }
        if !in_table {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim().trim_matches('"') == key {
            return Some(v.trim());
        }
    }
    None
}

/// The string value of `key` (`key = "value"` or `key = 'value'`); `None` when the key is
/// absent or its value is not a string.
pub(crate) fn string(manifest: &str, key: &str) -> Option<String> {
    let v = raw_value(manifest, key)?;
    let quote = v.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &v[1..];
    rest.find(quote).map(|end| rest[..end].to_owned())
}

/// The array of strings `key` holds, written on one line (`key = ["a", 'b']`, a trailing comma
/// and a comment after it allowed): `Ok(None)` when the key is absent, `Err` with what is wrong
/// when its value is anything else (a string, a number, an array spread over lines, an item
/// that is no string, an escape in a string).
pub(crate) fn string_array(manifest: &str, key: &str) -> Result<Option<Vec<String>>, String> {
    let Some(v) = raw_value(manifest, key) else {
        return Ok(None);
    };
    let Some(mut rest) = v.strip_prefix('[') else {
        return Err(format!("its value `{v}` is not an array of strings"));
    };
    let mut items = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix(']') {
            rest = after;
            break;
        }
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return Err(if rest.is_empty() {
                "the array does not close on its line (the array must be written on one line)"
                    .to_owned()
            } else {
                format!("`{}` in the array is not a quoted string", item_text(rest))
            });
        };
        let body = &rest[1..];
        let Some(end) = body.find(quote) else {
            return Err("a string in the array does not close on its line".to_owned());
        };
        let item = &body[..end];
        if quote == '"' && item.contains('\\') {
            return Err(format!(
                "the string \"{item}\" has an escape, which is not read here"
            ));
        }
        items.push(item.to_owned());
        rest = body[end + 1..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with(']') {
            return Err(if rest.is_empty() {
                "the array does not close on its line (the array must be written on one line)"
                    .to_owned()
            } else {
                format!(
                    "expected `,` or `]` after \"{item}\", found `{}`",
                    item_text(rest)
                )
            });
        }
    }
    let rest = rest.trim_start();
    if !rest.is_empty() && !rest.starts_with('#') {
        return Err(format!("`{rest}` follows the array on its line"));
    }
    Ok(Some(items))
}

/// The text of one array item as written, for messages: up to the next `,` or `]`.
fn item_text(rest: &str) -> &str {
    rest.split([',', ']']).next().unwrap_or(rest).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_from_the_metadata_table_only() {
        let manifest = r#"
[package]
name = "app"
cedar-schema = "not/this"

[package.metadata.authx]  # authx settings
cedar-schema = "policies/schema.cedarschema"

[dependencies]
cedar-schema = "nor/this"
"#;
        assert_eq!(
            string(manifest, "cedar-schema").as_deref(),
            Some("policies/schema.cedarschema")
        );
        let literal = "[package.metadata.authx]\n\"cedar-schema\" = 'a.cedarschema'\n";
        assert_eq!(
            string(literal, "cedar-schema").as_deref(),
            Some("a.cedarschema")
        );
        assert_eq!(string("[package]\nname = \"x\"\n", "cedar-schema"), None);
    }

    fn array(value: &str) -> Result<Option<Vec<String>>, String> {
        let manifest = format!(
            "[package]\nacr-values = [\"no\"]\n[package.metadata.authx]\nacr-values = {value}\n\
             [dependencies]\n"
        );
        string_array(&manifest, "acr-values")
    }

    #[test]
    fn reads_one_line_string_arrays() {
        let ok = |v: &str, items: &[&str]| {
            assert_eq!(
                array(v),
                Ok(Some(items.iter().map(|s| s.to_string()).collect())),
                "{v}"
            )
        };
        ok(r#"["mfa", "phr"]"#, &["mfa", "phr"]);
        ok(
            r#"[ 'mfa' ,"urn:x:a]b", ]  # the IdP's"#,
            &["mfa", "urn:x:a]b"],
        );
        ok("[]", &[]);
        assert_eq!(
            string_array("[package.metadata.authx]\n", "acr-values"),
            Ok(None)
        );
        assert_eq!(
            string_array("[package]\nacr-values = [\"x\"]\n", "acr-values"),
            Ok(None)
        );
    }

    #[test]
    fn anything_else_is_an_error_saying_what() {
        for (value, says) in [
            (r#""mfa""#, "`\"mfa\"` is not an array of strings"),
            ("3", "`3` is not an array of strings"),
            (r#"["mfa","#, "does not close on its line"),
            ("[", "does not close on its line"),
            (
                r#"["mfa", phr]"#,
                "`phr` in the array is not a quoted string",
            ),
            (r#"["mfa", 3]"#, "`3` in the array is not a quoted string"),
            (
                r#"["mfa" "phr"]"#,
                "expected `,` or `]` after \"mfa\", found `\"phr\"`",
            ),
            (r#"["mf"#, "a string in the array does not close"),
            (r#"["m\"fa"]"#, "has an escape"),
            (r#"["mfa"] x"#, "`x` follows the array"),
        ] {
            let e = array(value).unwrap_err();
            assert!(e.contains(says), "{value}: {e}");
        }
    }
}
