//! `#[protect(acr = ...)]` checked against the acr values the crate declares, once, in its
//! `Cargo.toml`:
//!
//! ```toml
//! [package.metadata.authx]
//! acr-values = ["mfa", "phr"]
//! ```
//!
//! or in the environment variable `AUTHX_ACR_VALUES`, separated by commas (`mfa,phr`; it wins,
//! for builds that set their own). Without either, acr values are not checked: tokens from
//! identity providers carry values of their own. The expansion tracks both (`option_env!`,
//! `include_bytes!` of the manifest), so changing the declaration recompiles the crate.

use authx_spec::step_up::{check_declared_acr, parse_acr_declaration, parse_acr_list};
use syn::{Ident, LitStr};

use super::manifest;
use crate::ctxt::Ctxt;

/// The environment variable that declares the acr values, before `Cargo.toml`.
pub(crate) const ENV: &str = "AUTHX_ACR_VALUES";
/// The manifest's key.
const KEY: &str = "acr-values";

/// Where the acr values were declared, for messages.
const FROM_ENV: &str = "`AUTHX_ACR_VALUES`";
const FROM_MANIFEST: &str = "`[package.metadata.authx] acr-values` in Cargo.toml";

const MANIFEST_FORM: &str = "write the values as an array of strings on one line, e.g. \
                             `acr-values = [\"mfa\", \"phr\"]`, or remove the key to leave acr \
                             values unchecked";
const ENV_FIX: &str = "fix the variable, or unset it to leave acr values unchecked";

/// The crate's declaration.
enum Declared {
    /// Neither the variable nor the manifest declares acr values: nothing to check.
    Nothing,
    /// The values, and where they were declared.
    Values(Vec<String>, &'static str),
    /// A declaration that cannot be read: what is wrong, and how to write it.
    Malformed(String),
}

/// Checks each of `acr`'s values (already valid acr values) against the crate's declaration.
/// A declaration that cannot be read is reported once, on the key.
pub(crate) fn check(cx: &Ctxt, key: &Ident, lits: &[LitStr]) {
    match declared() {
        Declared::Nothing => {}
        Declared::Malformed(message) => cx.error_at(key.span(), message),
        Declared::Values(values, from) => {
            for lit in lits {
                if let Err(e) = check_declared_acr(&lit.value(), &values, from) {
                    cx.error_spanned_by(lit, e.message);
                }
            }
        }
    }
}

/// `AUTHX_ACR_VALUES` when set and not empty, else the manifest's `acr-values`.
fn declared() -> Declared {
    match std::env::var(ENV) {
        Ok(list) if !list.is_empty() => {
            return match parse_acr_declaration(&list) {
                Ok(values) => Declared::Values(values, FROM_ENV),
                Err(e) => Declared::Malformed(format!(
                    "cannot check `acr` against {FROM_ENV}: {}; {ENV_FIX}",
                    e.message
                )),
            };
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            return Declared::Malformed(format!(
                "cannot check `acr` against {FROM_ENV}: it is not UTF-8; list acr values \
                 separated by commas, e.g. `AUTHX_ACR_VALUES=mfa,phr`, or unset it to leave acr \
                 values unchecked"
            ));
        }
        _ => {}
    }
    let Some(text) = manifest::read() else {
        return Declared::Nothing;
    };
    from_manifest(&text)
}

/// The declaration in the manifest `text`.
fn from_manifest(text: &str) -> Declared {
    let malformed = |what: &str| {
        Declared::Malformed(format!(
            "cannot check `acr` against {FROM_MANIFEST}: {what}"
        ))
    };
    match manifest::string_array(text, KEY) {
        Ok(None) => Declared::Nothing,
        Err(what) => malformed(&format!("{what}; {MANIFEST_FORM}")),
        Ok(Some(values)) if values.is_empty() => malformed(&format!(
            "it declares no acr values, so no route could require one; {MANIFEST_FORM}"
        )),
        Ok(Some(values)) => match parse_acr_list(&values) {
            Ok(()) => Declared::Values(values, FROM_MANIFEST),
            Err(errors) => {
                let each: Vec<String> = errors.into_iter().map(|(_, e)| e.message).collect();
                malformed(&each.join("; "))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(line: &str) -> Declared {
        from_manifest(&format!(
            "[package]\nname = \"x\"\n\n[package.metadata.authx]\n{line}\n"
        ))
    }

    #[test]
    fn the_manifest_declares_values_or_says_what_is_wrong() {
        assert!(matches!(
            manifest("cedar-schema = \"s\""),
            Declared::Nothing
        ));
        match manifest(r#"acr-values = ["mfa", "phr"]"#) {
            Declared::Values(values, from) => {
                assert_eq!(
                    (values.as_slice(), from),
                    (&["mfa".to_owned(), "phr".to_owned()][..], FROM_MANIFEST)
                );
            }
            _ => panic!("declared"),
        }
        for (line, says) in [
            (
                r#"acr-values = "mfa""#,
                "is not an array of strings; write the values as an array",
            ),
            ("acr-values = [", "does not close on its line"),
            ("acr-values = []", "it declares no acr values"),
            (
                r#"acr-values = ["mfa", "m fa", "mfa"]"#,
                "invalid character ' ' in acr value \"m fa\"",
            ),
        ] {
            let Declared::Malformed(message) = manifest(line) else {
                panic!("{line}: not refused");
            };
            assert!(message.starts_with("cannot check `acr` against `[package.metadata.authx] acr-values` in Cargo.toml: "), "{message}");
            assert!(message.contains(says), "{line}: {message}");
        }
        let Declared::Malformed(message) = manifest(r#"acr-values = ["mfa", "mfa"]"#) else {
            panic!("duplicates refused");
        };
        assert!(message.contains("duplicate acr value \"mfa\""), "{message}");
    }
}
