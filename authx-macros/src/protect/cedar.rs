//! `#[protect(action = "Document::edit", resource = ...)]`: the action checked against the
//! crate's Cedar schema, which is named once per crate in its `Cargo.toml`:
//!
//! ```toml
//! [package.metadata.authx]
//! cedar-schema = "policies/schema.cedarschema"
//! ```
//!
//! or by the environment variable `AUTHX_CEDAR_SCHEMA` (which wins; for test harnesses that
//! compile a crate of their own). A relative path is relative to the crate's directory.

use std::path::{Path, PathBuf};

use authx_spec::cedar_schema::CedarSchema;
use syn::LitStr;

use super::manifest;
use crate::ctxt::Ctxt;

/// The environment variable that names the schema, before `Cargo.toml`.
const ENV: &str = "AUTHX_CEDAR_SCHEMA";

const HOW: &str = "name the crate's Cedar schema once, in its Cargo.toml:\n\n    \
                   [package.metadata.authx]\n    \
                   cedar-schema = \"policies/schema.cedarschema\"\n\n\
                   or set the environment variable `AUTHX_CEDAR_SCHEMA` to its path (relative \
                   paths are relative to the crate's directory)";

/// Where the schema's path was named, for messages.
const FROM_ENV: &str = "named by `AUTHX_CEDAR_SCHEMA`";
const FROM_MANIFEST: &str = "named by `[package.metadata.authx] cedar-schema` in Cargo.toml";

/// Checks `action` against the crate's schema; returns the schema's path (for the expansion's
/// `include_bytes!`, which recompiles the crate when the schema changes).
pub(crate) fn check_action(cx: &Ctxt, action: &LitStr) -> Option<PathBuf> {
    let Some((path, named_by)) = schema_path() else {
        cx.error_spanned_by(
            action,
            format!(
                "`action` is checked against the crate's Cedar schema, and none is named: {HOW}"
            ),
        );
        return None;
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            cx.error_spanned_by(
                action,
                format!(
                    "cannot read the Cedar schema `{}`, {named_by} ({e}): fix the path \
                     (a relative one is relative to the crate's directory)",
                    path.display()
                ),
            );
            return None;
        }
    };
    let schema = match CedarSchema::parse(&text) {
        Ok(schema) => schema,
        Err(e) => {
            cx.error_spanned_by(
                action,
                format!(
                    "the Cedar schema `{}` does not parse: {}; fix the schema, the actions are \
                     checked against it",
                    path.display(),
                    // The reader's errors start by naming what they read.
                    e.strip_prefix("Cedar schema, ").unwrap_or(&e)
                ),
            );
            return None;
        }
    };
    if let Err(e) = schema.check_action(&action.value()) {
        // Without a near one to suggest, list what may be written.
        let valid = if e.contains("did you mean") {
            String::new()
        } else {
            format!(": {}", actions(&schema))
        };
        cx.error_spanned_by(
            action,
            format!(
                "{e}; the actions come from the Cedar schema `{}`{valid}",
                file_name(&path)
            ),
        );
        return None;
    }
    Some(path)
}

/// The schema's actions as `action` names them: `Document::edit`, once per resource type.
fn actions(schema: &CedarSchema) -> String {
    let names: Vec<String> = schema
        .actions
        .iter()
        .flat_map(|a| {
            a.resources.iter().map(move |r| {
                let ty = r.rsplit_once("::").map_or(r.as_str(), |(_, t)| t);
                format!("`{ty}::{}`", a.name)
            })
        })
        .collect();
    if names.is_empty() {
        "it declares no action on a resource type".to_owned()
    } else {
        names.join(", ")
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The schema's path: `AUTHX_CEDAR_SCHEMA`, else the crate's `[package.metadata.authx]`
/// `cedar-schema`, relative to the crate's directory; and which of them named it.
fn schema_path() -> Option<(PathBuf, &'static str)> {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let (named, by) = match std::env::var(ENV) {
        Ok(path) if !path.is_empty() => (path, FROM_ENV),
        _ => {
            let manifest = manifest::read()?;
            (manifest::string(&manifest, "cedar-schema")?, FROM_MANIFEST)
        }
    };
    Some((dir.join(named), by))
}
