//! The table (medians over rounds) and the ratio lines (medians of per-round ratios, so that a
//! slow moment of the shared machine falls on both sides of each ratio).

use crate::load::Run;

/// One measured round of one variant.
#[derive(Clone, Copy, Debug)]
pub struct Round {
    pub run: Run,
    /// Server CPU (user + system, every thread) per request, in microseconds.
    pub cpu_us: f64,
}

/// A variant's results: one entry per round (`None` where the round failed).
pub struct Results {
    pub name: String,
    pub body_bytes: usize,
    pub rounds: Vec<Option<Round>>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn column(r: &Results, f: impl Fn(&Round) -> f64) -> Option<f64> {
    median(r.rounds.iter().flatten().map(f).collect())
}

/// The median over rounds of `f` of the named variants' rounds (rounds where all ran).
fn per_round(all: &[Results], names: &[&str], f: impl Fn(&[Round]) -> f64) -> Result<f64, String> {
    let found: Vec<&Results> = names
        .iter()
        .map(|n| all.iter().find(|r| r.name == *n))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("n/a (needs {})", names.join(", ")))?;
    let rounds = found.iter().map(|r| r.rounds.len()).min().unwrap_or(0);
    let values = (0..rounds)
        .filter_map(|i| {
            found
                .iter()
                .map(|r| r.rounds[i])
                .collect::<Option<Vec<_>>>()
        })
        .map(|rs| f(&rs))
        .filter(|v| v.is_finite())
        .collect();
    median(values).ok_or_else(|| format!("n/a (no round of {} completed)", names.join(", ")))
}

fn show(v: Option<f64>, width: usize, decimals: usize) -> String {
    match v {
        Some(v) => format!("{v:>width$.decimals$}"),
        None => format!("{:>width$}", "-"),
    }
}

/// The per-variant table.
pub fn table(all: &[Results]) {
    println!(
        "{:<14} {:>9} {:>9} {:>9} {:>12} {:>12} {:>6} {:>7}",
        "variant", "req/s", "p50 ms", "p99 ms", "cpu us/req", "auth us/req", "body", "rounds"
    );
    for r in all {
        let auth = per_round(all, &[&r.name, "bare"], |x| x[0].cpu_us - x[1].cpu_us).ok();
        println!(
            "{:<14} {} {} {} {} {} {:>6} {:>7}",
            r.name,
            show(column(r, |x| x.run.rps), 9, 0),
            show(column(r, |x| x.run.p50_us / 1e3), 9, 3),
            show(column(r, |x| x.run.p99_us / 1e3), 9, 3),
            show(column(r, |x| x.cpu_us), 12, 2),
            show(auth, 12, 2),
            r.body_bytes,
            r.rounds.iter().flatten().count()
        );
    }
}

fn line(label: &str, value: Result<f64, String>) {
    match value {
        Ok(v) => println!("{label}: {v:.2}"),
        Err(why) => println!("{label}: {why}"),
    }
}

/// The ratio lines the targets are read from, `protect/baseline throughput` last.
pub fn ratios(all: &[Results]) {
    let cpu =
        |a: &'static str, b: &'static str| per_round(all, &[a, b], |x| x[0].cpu_us / x[1].cpu_us);
    // Auth CPU (CPU per request minus bare's, same round) of `a` over `b`'s.
    let auth = |a: &'static str, b: &'static str| {
        per_round(all, &[a, b, "bare"], |x| {
            (x[0].cpu_us - x[2].cpu_us) / (x[1].cpu_us - x[2].cpu_us)
        })
    };
    line("protect/peer auth-cpu ratio", auth("protect", "peer"));
    line(
        "metrics auth-cpu us",
        per_round(all, &["metrics", "protect"], |x| x[0].cpu_us - x[1].cpu_us),
    );
    line("quickstart/protect cpu ratio", cpu("quickstart", "protect"));
    line(
        "redis-nearcache/memory cpu ratio",
        cpu("redis-near", "scopes"),
    );
    line("es256-cached/hs256 cpu ratio", cpu("es256", "protect"));
    line(
        "distinct-tokens/single cpu ratio",
        cpu("distinct", "protect"),
    );
    line("uncached/peer auth-cpu ratio", auth("uncached", "peer"));
    line(
        "distinct-tokens/uncached cpu ratio",
        cpu("distinct", "uncached"),
    );
    line(
        "protect/baseline throughput ratio",
        per_round(all, &["protect", "handwritten"], |x| {
            x[0].run.rps / x[1].run.rps
        }),
    );
}
