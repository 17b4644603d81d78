//! The registry printed on request: what `authx routes` (the CLI) and an app's `--routes`
//! flag show.

use super::{RouteEntry, entries, render};

/// The environment variable [`print_if_asked`] reads: `table` (the audit table) or `actions`
/// (the actions table). The `authx routes` command runs an app with it set.
pub const ROUTES_ENV: &str = "AUTHX_ROUTES";

/// Every route with the Cedar action it decides and the action's resource type (`-` for a
/// route without one): what `authx routes --actions` shows. Columns `ROUTE`, `HANDLER`,
/// `ACTION`, `RESOURCE`, `SOURCE`.
pub fn actions_table() -> String {
    actions_of(entries())
}

/// [`actions_table`] of `entries`.
pub(super) fn actions_of<'a>(entries: impl IntoIterator<Item = &'a RouteEntry>) -> String {
    let rows: Vec<[String; 5]> = entries
        .into_iter()
        .map(|e| {
            [
                e.route.unwrap_or("-").to_owned(),
                e.handler.to_owned(),
                e.action().unwrap_or("-").to_owned(),
                e.resource_type().unwrap_or("-").to_owned(),
                format!("{}:{}", e.file, e.line),
            ]
        })
        .collect();
    render(&["ROUTE", "HANDLER", "ACTION", "RESOURCE", "SOURCE"], &rows)
}

/// Prints the registry and returns `true` when the process was started to list its routes
/// (any other value of `AUTHX_ROUTES` is ignored):
/// with `--routes` among its arguments (the audit table; `--routes --actions`, the actions
/// table), or with `AUTHX_ROUTES=table` or `AUTHX_ROUTES=actions` (what `authx routes` sets).
/// Call it first thing in `main` and return when it says so:
///
/// ```no_run
/// # fn serve() {}
/// fn main() {
///     if authx::registry::print_if_asked() {
///         return;
///     }
///     serve();
/// }
/// ```
pub fn print_if_asked() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let asked = std::env::var(ROUTES_ENV).ok();
    let which = match asked.as_deref() {
        Some("actions") => Some(true),
        Some("table") => Some(false),
        _ if args.iter().any(|a| a == "--routes") => Some(args.iter().any(|a| a == "--actions")),
        _ => None,
    };
    match which {
        Some(true) => print!("{}", actions_table()),
        Some(false) => print!("{}", super::audit_table()),
        None => return false,
    }
    true
}
