//! `authx apikey list`: a table for people, JSON lines for scripts. Records hold no secret
//! (only a keyed digest of each key, which is not printed either).

use authx::ApiKeyRecord;
use clap::Args;
use serde_json::json;

use crate::time::utc;

/// `authx apikey list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this owner's keys (default: every key).
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
    /// One JSON object per line (times in seconds since the epoch, `null` for never).
    #[arg(long)]
    pub json: bool,
}

/// Whether a key works at `now`: `live`, `revoked` or `expired`.
fn status(record: &ApiKeyRecord, now: i64) -> &'static str {
    if record.revoked_at.is_some() {
        "revoked"
    } else if record.expires_at.is_some_and(|at| at <= now) {
        "expired"
    } else {
        "live"
    }
}

/// The records as a table (a header, then one line per key) or as JSON lines; nothing for
/// no records.
pub(super) fn render(records: &[ApiKeyRecord], json: bool, now: i64) -> String {
    if records.is_empty() {
        return String::new();
    }
    if json {
        return records
            .iter()
            .map(|r| format!("{}\n", json_line(r, now)))
            .collect();
    }
    let header = [
        "ID",
        "OWNER",
        "NAME",
        "SCOPES",
        "CREATED",
        "EXPIRES",
        "LAST USED",
        "STATUS",
    ]
    .map(String::from);
    let rows: Vec<[String; 8]> = std::iter::once(header)
        .chain(records.iter().map(|r| row(r, now)))
        .collect();
    let mut widths = [0; 8];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:width$}  ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn row(r: &ApiKeyRecord, now: i64) -> [String; 8] {
    let when = |at: Option<i64>| at.map_or_else(|| "never".to_owned(), utc);
    let or_dash = |s: String| if s.is_empty() { "-".to_owned() } else { s };
    let owner = if r.service {
        format!("{} (service)", r.owner)
    } else {
        r.owner.clone()
    };
    [
        clean(&r.id),
        clean(&owner),
        or_dash(clean(&r.name)),
        or_dash(clean(&r.scopes.join(","))),
        utc(r.created_at),
        when(r.expires_at),
        when(r.last_used_at),
        status(r, now).to_owned(),
    ]
}

/// Keeps a line one line, and a terminal's escape sequences out of it.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn json_line(r: &ApiKeyRecord, now: i64) -> serde_json::Value {
    json!({
        "id": r.id,
        "owner": r.owner,
        "service": r.service,
        "name": r.name,
        "scopes": r.scopes,
        "created_at": r.created_at,
        "expires_at": r.expires_at,
        "last_used_at": r.last_used_at,
        "revoked_at": r.revoked_at,
        "rate": r.rate,
        "allowed_ips": r.allowed_ips,
        "status": status(r, now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, name: &str) -> ApiKeyRecord {
        ApiKeyRecord::new(
            id.into(),
            "d1gest".into(),
            "user-1".into(),
            name.into(),
            1_700_000_000,
        )
    }

    #[test]
    fn a_table_with_a_header_and_one_line_per_key() {
        let mut live = record("ak_1", "deploy\nscript");
        live.scopes = vec!["deploy:*".into(), "reports:read".into()];
        let mut revoked = record("ak_2", "");
        revoked.revoked_at = Some(1_700_000_100);
        revoked.service = true;
        let mut expired = record("ak_3", "old");
        expired.expires_at = Some(1_700_000_500);
        expired.last_used_at = Some(1_700_000_400);
        let out = render(&[live, revoked, expired], false, 1_700_001_000);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert!(lines[0].starts_with("ID    OWNER"), "{out}");
        assert!(lines[0].ends_with("LAST USED             STATUS"), "{out}");
        assert!(lines[1].contains("deploy script"), "{out}");
        assert!(lines[1].contains("deploy:*,reports:read"), "{out}");
        assert!(lines[1].contains("2023-11-14T22:13:20Z  never"), "{out}");
        assert!(lines[1].ends_with("live"), "{out}");
        assert!(lines[2].contains("user-1 (service)  -"), "{out}");
        assert!(lines[2].ends_with("revoked"), "{out}");
        assert!(lines[3].contains("2023-11-14T22:21:40Z  2023-11-14T22:20:00Z"));
        assert!(lines[3].ends_with("expired"), "{out}");
        assert!(!out.contains("d1gest"), "{out}");
        assert_eq!(render(&[], false, 0), "");
    }

    #[test]
    fn json_lines_hold_every_field_but_the_digest() {
        let mut r = record("ak_1", "n");
        r.rate = Some("10/60s".into());
        let out = render(&[r.clone(), r], true, 1_700_000_000);
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["id"], "ak_1");
        assert_eq!(lines[0]["status"], "live");
        assert_eq!(lines[0]["rate"], "10/60s");
        assert_eq!(lines[0]["expires_at"], serde_json::Value::Null);
        assert!(!out.contains("d1gest"), "{out}");
    }
}
