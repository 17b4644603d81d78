//! Keys: each given at most once, conflicts reported on the later one, unknown ones named.

use syn::Ident;
use syn::ext::IdentExt;

use crate::attr_names::{self, Name};
use crate::ctxt::Ctxt;

/// An optional value that may be given once; a second occurrence is an error.
///
/// A key whose value was malformed still counts as given (with no value), so that checks
/// such as "`rate_key` needs `rate`" do not report a second error for the same mistake.
pub(crate) struct Slot<T> {
    name: Name,
    /// The key as written, its position in the list, and the value if it was well-formed.
    set: Option<(Ident, usize, Option<T>)>,
}

impl<T> Slot<T> {
    pub(crate) fn new(name: Name) -> Self {
        Slot { name, set: None }
    }

    /// Stores `value`, or reports `key` as a duplicate. `attr` names the attribute.
    pub(crate) fn set(
        &mut self,
        cx: &Ctxt,
        attr: Name,
        key: &Ident,
        index: usize,
        value: Option<T>,
    ) {
        if self.set.is_some() {
            cx.error_at(
                key.span(),
                format!(
                    "duplicate key `{}` in `#[{attr}]`: each key may be given once; remove this \
                     one{}",
                    self.name,
                    duplicate_hint(self.name)
                ),
            );
        } else {
            self.set = Some((key.clone(), index, value));
        }
    }

    /// The value, when the key was given with a well-formed one.
    pub(crate) fn get(&self) -> Option<&T> {
        self.set.as_ref().and_then(|(_, _, v)| v.as_ref())
    }

    /// The key as written (for spans).
    pub(crate) fn key(&self) -> Option<&Ident> {
        self.set.as_ref().map(|(k, _, _)| k)
    }

    /// Position of the key in the list.
    pub(crate) fn index(&self) -> Option<usize> {
        self.set.as_ref().map(|(_, i, _)| *i)
    }

    pub(crate) fn is_set(&self) -> bool {
        self.set.is_some()
    }
}

fn duplicate_hint(name: Name) -> &'static str {
    if name == attr_names::SCOPES || name == attr_names::ANY_SCOPES {
        " and list every scope in one array, e.g. `scopes = [\"users:read\", \"users:write\"]`"
    } else if name == attr_names::LOCATIONS {
        " and list every location in one array, e.g. `locations = [headers, cookies]`"
    } else {
        ""
    }
}

/// Of two set slots, the key written last: the one a conflict is reported on.
pub(crate) fn later<'a, A, B>(a: &'a Slot<A>, b: &'a Slot<B>) -> Option<&'a Ident> {
    match (a.index(), b.index()) {
        (Some(i), Some(j)) if i > j => a.key(),
        (Some(_), Some(_)) => b.key(),
        _ => None,
    }
}

/// Reports an unknown key, listing the valid ones (and the closest, if any).
pub(crate) fn unknown_key(cx: &Ctxt, attr: Name, key: &Ident, valid: &[Name], example: &str) {
    let word = key.unraw().to_string();
    let hint = match attr_names::closest(&word, valid) {
        Some(near) => format!(" (did you mean `{near}`?)"),
        None => String::new(),
    };
    cx.error_at(
        key.span(),
        format!(
            "unknown key `{word}` in `#[{attr}]`{hint}: valid keys are {}; write e.g. `{example}`",
            attr_names::list(valid)
        ),
    );
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
