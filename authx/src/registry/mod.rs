//! The route registry: every `#[protect]` and `#[public]` handler, collected at compile time
//! (through [`inventory`]), so an app can list and audit its auth rules.
//!
//! ```
//! for entry in authx::registry::entries() {
//!     println!("{} {:?}", entry.handler, entry.route);
//!     // `#[protect(action = "Document::edit", resource = ...)]`: the Cedar action, and the
//!     // resource type it is decided on.
//!     if let (Some(action), Some(resource)) = (entry.action(), entry.resource_type()) {
//!         println!("  decides {action} on a {resource}");
//!     }
//! }
//! print!("{}", authx::registry::audit_table());
//! ```
//!
//! The audit table has one row per handler; its `OTHER` column holds the rules without a
//! column of their own, `action=Document::edit` among them:
//!
//! ```text
//! ROUTE                HANDLER        AUTH    FRESH  SCOPES  RATE  OTHER                  SOURCE
//! GET /documents/{id}  read_document  access                       action=Document::read  src/main.rs:40
//! PUT /documents/{id}  edit_document  access                       action=Document::edit  src/main.rs:47
//! ```

use std::fmt::Write as _;

use crate::guard::{Credentials, RateRule, Rules};

/// What a handler declared.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Decision {
    /// `#[protect(...)]`.
    Protected(&'static Rules),
    /// `#[public]`, deliberately open (rate limits may still apply).
    Public {
        /// `#[public(rate = ...)]`.
        rate: Option<RateRule>,
    },
}

/// One annotated handler.
#[derive(Debug)]
#[non_exhaustive]
pub struct RouteEntry {
    /// The handler's name.
    pub handler: &'static str,
    /// Its module path.
    pub module: &'static str,
    /// Source file.
    pub file: &'static str,
    /// Source line.
    pub line: u32,
    /// `METHOD /path` when the attribute names one.
    pub route: Option<&'static str>,
    /// Protected (with what) or public.
    pub decision: Decision,
}

inventory::collect!(RouteEntry);

impl RouteEntry {
    /// The entry a `#[protect]` or `#[public]` attribute submits. Not a public API.
    #[doc(hidden)]
    pub const fn __from_macro(
        handler: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
        route: Option<&'static str>,
        decision: Decision,
    ) -> Self {
        RouteEntry {
            handler,
            module,
            file,
            line,
            route,
            decision,
        }
    }

    /// The rules, for protected handlers.
    pub fn rules(&self) -> Option<&'static Rules> {
        match self.decision {
            Decision::Protected(r) => Some(r),
            Decision::Public { .. } => None,
        }
    }

    /// Is the handler `#[public]`?
    pub fn is_public(&self) -> bool {
        matches!(self.decision, Decision::Public { .. })
    }

    /// The rate limit, protected or public.
    pub fn rate(&self) -> Option<RateRule> {
        match self.decision {
            Decision::Protected(r) => r.rate,
            Decision::Public { rate } => rate,
        }
    }

    /// The route's method, when it names a route.
    pub fn method(&self) -> Option<&'static str> {
        self.route.and_then(|r| r.split_once(' ')).map(|(m, _)| m)
    }

    /// The Cedar action the route decides on (`"Document::edit"`), for a protected route
    /// with `#[protect(action = ..., resource = ...)]` (feature `authz`).
    pub fn action(&self) -> Option<&'static str> {
        self.rules().and_then(|r| r.action)
    }

    /// The resource type of the route's [`action`](Self::action): the part before its last
    /// `::` (`"Document"` for `"Document::edit"`, `"Docs::Document"` for
    /// `"Docs::Document::edit"`).
    pub fn resource_type(&self) -> Option<&'static str> {
        self.action()
            .and_then(|a| a.rsplit_once("::"))
            .map(|(ty, _)| ty)
    }

    /// The route's path, when it names a route.
    pub fn path(&self) -> Option<&'static str> {
        self.route
            .and_then(|r| r.split_once(' '))
            .map(|(_, p)| p.trim_start())
    }
}

/// Every registered handler in the program, sorted by route then module and name.
pub fn entries() -> Vec<&'static RouteEntry> {
    let mut v: Vec<_> = inventory::iter::<RouteEntry>.into_iter().collect();
    v.sort_by_key(|e| {
        (
            e.path().unwrap_or("~"),
            e.method().unwrap_or(""),
            e.module,
            e.handler,
        )
    });
    v
}

/// The registry as a plain-text table, for audits (`cargo run --example quickstart -- --routes`).
///
/// Columns: `ROUTE`, `HANDLER`, `AUTH` (the token type, `public`, or `any`), `FRESH`,
/// `SCOPES`, `RATE`, `OTHER` (the remaining rules as `key=value`: `action=Document::edit`, the
/// Cedar action and, before its last `::`, the resource type; `policy=`, `credentials=`,
/// `kind=`, `max_age=`, `acr=` (one of, `mfa|hwk`), `amr=` (every one, `pwd+otp`), `csrf=off`,
/// `locations=`) and `SOURCE`.
pub fn audit_table() -> String {
    table(entries())
}

/// [`audit_table`] of `entries`.
fn table<'a>(entries: impl IntoIterator<Item = &'a RouteEntry>) -> String {
    let rows: Vec<[String; 8]> = entries
        .into_iter()
        .map(|e| {
            let (access, fresh, scopes, extra) = match e.decision {
                Decision::Public { .. } => (
                    "public".to_owned(),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
                Decision::Protected(r) => {
                    let mode = match r.scope_mode {
                        authx_spec::ScopeMode::All => "all",
                        authx_spec::ScopeMode::Any => "any",
                    };
                    let scopes = if r.scopes.is_empty() {
                        String::new()
                    } else {
                        format!("{mode}: {}", r.scopes.join(" "))
                    };
                    let mut extra = Vec::new();
                    if let Some(action) = r.action {
                        extra.push(format!("action={action}"));
                    }
                    if let Some((name, _)) = r.policy {
                        extra.push(format!("policy={name}"));
                    }
                    if r.credentials != Credentials::BEARER {
                        extra.push(format!("credentials={}", r.credentials).replace(' ', ""));
                    }
                    if let Some(kind) = r.kind {
                        extra.push(format!("kind={kind}"));
                    }
                    if let Some(age) = r.max_age {
                        extra.push(format!("max_age={age}s"));
                    }
                    if !r.acr.is_empty() {
                        extra.push(format!("acr={}", r.acr.join("|")));
                    }
                    if !r.amr.is_empty() {
                        extra.push(format!("amr={}", r.amr.join("+")));
                    }
                    if !r.csrf {
                        extra.push("csrf=off".to_owned());
                    }
                    if let Some(locs) = r.locations {
                        let names: Vec<_> = locs.iter().map(|l| l.as_str()).collect();
                        extra.push(format!("locations={}", names.join(",")));
                    }
                    (
                        if r.verify_type {
                            r.token_type.as_str().to_owned()
                        } else {
                            "any".to_owned()
                        },
                        if r.fresh { "yes".into() } else { String::new() },
                        scopes,
                        extra.join(" "),
                    )
                }
            };
            [
                e.route.unwrap_or("-").to_owned(),
                e.handler.to_owned(),
                access,
                fresh,
                scopes,
                e.rate().map(|r| r.to_string()).unwrap_or_default(),
                extra,
                format!("{}:{}", e.file, e.line),
            ]
        })
        .collect();
    let header = [
        "ROUTE", "HANDLER", "AUTH", "FRESH", "SCOPES", "RATE", "OTHER", "SOURCE",
    ];
    render(&header, &rows)
}

/// `rows` under `header`, each column as wide as its widest cell (the last one left ragged).
fn render<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header);
    for row in rows {
        line(&row.each_ref().map(String::as_str));
    }
    out
}

mod print;
pub use print::{ROUTES_ENV, actions_table, print_if_asked};

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
