//! [`AuditReport`]: what the audit found, and how it reads.

use std::fmt;

/// What [`audit_routes`](crate::testing::audit_routes) found. [`assert_ok`](Self::assert_ok) panics with every failure at
/// once; `Display` prints the whole report.
#[derive(Debug, Default)]
pub struct AuditReport {
    pub(super) lenient: bool,
    pub(super) routes: Vec<AuditedRoute>,
    pub(super) failures: Vec<AuditFailure>,
    pub(super) unmounted: Vec<String>,
    pub(super) unprobed: Vec<String>,
    pub(super) inconclusive: Vec<String>,
    pub(super) notes: Vec<String>,
}

/// A route the audit probed, and the checks it ran.
#[derive(Debug, Clone)]
pub struct AuditedRoute {
    /// `METHOD /path (module::handler)`.
    pub label: String,
    /// The checks that ran (`no token`, `wrong token type`...).
    pub checks: Vec<&'static str>,
}

/// A request a route should have refused, and did not refuse as it should.
#[derive(Debug, Clone)]
pub struct AuditFailure {
    /// `METHOD /path (module::handler)`.
    pub route: String,
    /// The check (`no token`, `wrong token type`, `non-fresh token`, `token lacking the
    /// scopes`, `token of another kind`, `requests over the rate limit`).
    pub check: &'static str,
    /// The status and `error_type` expected.
    pub expected: String,
    /// What the route answered.
    pub got: String,
}

impl AuditReport {
    /// The routes probed.
    pub fn routes(&self) -> &[AuditedRoute] {
        &self.routes
    }

    /// Every failed check.
    pub fn failures(&self) -> &[AuditFailure] {
        &self.failures
    }

    /// Registered routes the router does not mount.
    pub fn unmounted(&self) -> &[String] {
        &self.unmounted
    }

    /// Guarded handlers without a `route`, which the audit cannot find in the router.
    pub fn unprobed(&self) -> &[String] {
        &self.unprobed
    }

    /// Checks a rate limit answered before they could run (a custom rate key shared by the
    /// audit's requests).
    pub fn inconclusive(&self) -> &[String] {
        &self.inconclusive
    }

    /// No check failed, at least one route was probed, and (unless the audit was
    /// [lenient](crate::testing::RouteAudit::lenient)) every registered route could be checked: none
    /// unmounted, none without a `route`, no check inconclusive.
    pub fn is_ok(&self) -> bool {
        let complete =
            self.unmounted.is_empty() && self.unprobed.is_empty() && self.inconclusive.is_empty();
        self.failures.is_empty() && !self.routes.is_empty() && (self.lenient || complete)
    }

    /// Panics, listing every failure (and the report), unless [`is_ok`](Self::is_ok).
    #[track_caller]
    pub fn assert_ok(&self) {
        assert!(self.is_ok(), "authx route audit failed:\n{self}");
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let checks: usize = self.routes.iter().map(|r| r.checks.len()).sum();
        writeln!(
            f,
            "{} route(s) probed, {checks} check(s), {} failure(s)",
            self.routes.len(),
            self.failures.len()
        )?;
        if self.routes.is_empty() {
            writeln!(
                f,
                "  no route was probed: is this the app's Router, are its handlers marked with \
                 `route = \"METHOD /path\"`?"
            )?;
        }
        for x in &self.failures {
            writeln!(
                f,
                "  FAIL {}: {}: expected {}, got {}",
                x.route, x.check, x.expected, x.got
            )?;
        }
        for x in &self.inconclusive {
            writeln!(f, "  inconclusive {x}")?;
        }
        for x in &self.notes {
            writeln!(f, "  note {x}")?;
        }
        for x in &self.unprobed {
            writeln!(f, "  not probed (no route = \"...\"): {x}")?;
        }
        for x in &self.unmounted {
            writeln!(f, "  not mounted in this router: {x}")?;
        }
        Ok(())
    }
}
