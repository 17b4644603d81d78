//! Harness v2 runs and prints its lines. Only that: no figure is checked (a debug build on a
//! shared machine says nothing about speed), and a round that fails is reported, not fatal.

use std::process::Command;

const LINES: &[&str] = &[
    "protect/peer auth-cpu ratio: ",
    "metrics auth-cpu us: ",
    "quickstart/protect cpu ratio: ",
    "redis-nearcache/memory cpu ratio: ",
    "es256-cached/hs256 cpu ratio: ",
    "distinct-tokens/single cpu ratio: ",
    "protect/baseline throughput ratio: ",
];

fn harness(args: &[&str]) -> String {
    // `--load own`: the generator built with this package, whether or not wrk is installed.
    let out = Command::new(env!("CARGO_BIN_EXE_harness2"))
        .args(args)
        .args(["--load", "own"])
        .output()
        .expect("harness2 runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "harness2 {args:?} failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn assert_lines(text: &str, variants: &[&str]) {
    for v in variants {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{v} "))),
            "no table row for {v}:\n{text}"
        );
    }
    let ratios: Vec<&str> = text
        .lines()
        .filter(|l| LINES.iter().any(|p| l.starts_with(p)))
        .collect();
    assert_eq!(ratios.len(), LINES.len(), "the ratio lines:\n{text}");
    assert!(
        text.trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("protect/baseline throughput ratio: ")),
        "the throughput ratio comes last:\n{text}"
    );
}

/// `--quick`: bare axum and `#[protect(access)]`, a few seconds, no outside service.
#[test]
fn quick_run_prints_the_table_and_the_ratio_lines() {
    let text = harness(&["--quick"]);
    assert_lines(&text, &["bare", "protect"]);
}

/// Every variant for one short round. Ignored by default: it needs Redis and PostgreSQL
/// (without them their variants are left out and the row check fails) and the quickstart
/// example built beside the test's binaries, and it takes about half a minute.
#[test]
#[ignore = "needs Redis, PostgreSQL and the quickstart example built; about 30 s"]
fn every_variant_runs() {
    let text = harness(&["--rounds", "1", "--duration", "1", "--warmup", "1"]);
    assert_lines(&text, authx_bench::variants::HARNESS_VARIANTS);
}
