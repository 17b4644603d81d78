//! Loading a policy set: parsed from named sources, each policy given a stable id (its `@id`
//! annotation, else `<source>#<n>`), validated against the schema (strict mode) before it is
//! used. A set that fails any of that is refused whole.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use cedar_policy::{PolicyId, PolicySet, Schema, ValidationMode, Validator};

use super::AuthzError;

/// One source of policies: its name (a file's name) and its text.
pub(crate) struct Source {
    pub(crate) name: String,
    pub(crate) text: String,
}

/// Sources from `(name, text)` pairs.
pub(crate) fn sources(pairs: &[(&str, &str)]) -> Vec<Source> {
    pairs
        .iter()
        .map(|(name, text)| Source {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Parses, re-keys and validates `sources` into one set.
pub(crate) fn load(schema: &Schema, sources: &[Source]) -> Result<PolicySet, AuthzError> {
    let mut set = PolicySet::new();
    for source in sources {
        let parsed: PolicySet = source.text.parse().map_err(|e| AuthzError::Policies {
            source_name: source.name.clone(),
            reason: format!("{e}"),
        })?;
        if parsed.templates().next().is_some() {
            return Err(AuthzError::Policies {
                source_name: source.name.clone(),
                reason: "policy templates are not supported: write each policy out".into(),
            });
        }
        // In the order written: `policy0`, `policy1`... as the parser numbers them.
        let mut policies: Vec<_> = parsed.policies().collect();
        policies.sort_by_key(|p| {
            p.id()
                .to_string()
                .trim_start_matches("policy")
                .parse::<usize>()
                .unwrap_or(usize::MAX)
        });
        for (n, policy) in policies.into_iter().enumerate() {
            let id = match policy.annotation("id") {
                Some(id) => id.to_owned(),
                None => format!("{}#{n}", source.name),
            };
            set.add(policy.new_id(PolicyId::new(&id)))
                .map_err(|e| AuthzError::Policies {
                    source_name: source.name.clone(),
                    reason: format!("policy `{id}`: {e}"),
                })?;
        }
    }
    let result = Validator::new(schema.clone()).validate(&set, ValidationMode::Strict);
    if !result.validation_passed() {
        let reasons: Vec<String> = result.validation_errors().map(|e| format!("{e}")).collect();
        return Err(AuthzError::Invalid(reasons.join("; ")));
    }
    Ok(set)
}

/// Policy files: one `.cedar` file, or every `.cedar` file of a directory (sorted by name).
#[derive(Debug, Clone)]
pub(crate) struct Files {
    pub(crate) path: PathBuf,
}

impl Files {
    /// The files, each with its modification time.
    pub(crate) fn list(&self) -> Result<Vec<(PathBuf, Option<SystemTime>)>, AuthzError> {
        let read = |p: &Path| AuthzError::Io {
            path: p.display().to_string(),
            reason: "cannot read it".into(),
        };
        let meta = std::fs::metadata(&self.path).map_err(|_| read(&self.path))?;
        let mut files = if meta.is_dir() {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(&self.path).map_err(|_| read(&self.path))? {
                let path = entry.map_err(|_| read(&self.path))?.path();
                if path.extension().is_some_and(|e| e == "cedar") {
                    files.push(path);
                }
            }
            files
        } else {
            vec![self.path.clone()]
        };
        files.sort();
        Ok(files
            .into_iter()
            .map(|p| {
                let modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
                (p, modified)
            })
            .collect())
    }

    /// Their sources, named by file name.
    pub(crate) fn read(&self) -> Result<Vec<Source>, AuthzError> {
        self.list()?
            .into_iter()
            .map(|(path, _)| {
                let text = std::fs::read_to_string(&path).map_err(|e| AuthzError::Io {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into(),
                );
                Ok(Source { name, text })
            })
            .collect()
    }
}

/// A schema from its text: Cedar's JSON format when it starts with `{`, else its own.
pub(crate) fn schema(text: &str) -> Result<Schema, AuthzError> {
    if text.trim_start().starts_with('{') {
        Schema::from_json_str(text).map_err(|e| AuthzError::Schema(format!("{e}")))
    } else {
        Schema::from_cedarschema_str(text)
            .map(|(schema, _warnings)| schema)
            .map_err(|e| AuthzError::Schema(format!("{e}")))
    }
}
