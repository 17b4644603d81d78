//! Timestamps for people: `2025-06-01T10:15:00Z`, `14m 3s`, `2h`.

/// Seconds since the Unix epoch, now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A span in its two largest units, the second left out when zero: `14m 3s`, `2h`, `3d 4h`.
pub(crate) fn span(secs: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let Some(first) = UNITS.iter().position(|(size, _)| secs >= *size) else {
        return "0s".into();
    };
    let (size, unit) = UNITS[first];
    let mut out = format!("{}{unit}", secs / size);
    if let Some(&(next_size, next_unit)) = UNITS.get(first + 1) {
        let rest = (secs % size) / next_size;
        if rest > 0 {
            out.push_str(&format!(" {rest}{next_unit}"));
        }
    }
    out
}

/// `when` relative to `now`: `in 14m 3s`, `2h ago`, `just now`.
pub(crate) fn relative(when: i64, now: i64) -> String {
    let delta = when.saturating_sub(now);
    match delta {
        0 => "just now".into(),
        d if d > 0 => format!("in {}", span(d.unsigned_abs())),
        d => format!("{} ago", span(d.unsigned_abs())),
    }
}

/// An RFC 3339 UTC timestamp (`1970-01-01T00:00:00Z`).
pub(crate) fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        of_day / 3_600,
        of_day % 3_600 / 60,
        of_day % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_keep_two_units() {
        assert_eq!(span(0), "0s");
        assert_eq!(span(59), "59s");
        assert_eq!(span(14 * 60 + 3), "14m 3s");
        assert_eq!(span(7_200), "2h");
        assert_eq!(span(7_203), "2h");
        assert_eq!(span(7_260), "2h 1m");
        assert_eq!(span(20 * 86_400), "20d");
        assert_eq!(span(86_400 + 4 * 3_600 + 5), "1d 4h");
    }

    #[test]
    fn relative_says_which_way() {
        assert_eq!(relative(100, 100), "just now");
        assert_eq!(relative(100 + 843, 100), "in 14m 3s");
        assert_eq!(relative(100, 100 + 7_200), "2h ago");
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    }
}
