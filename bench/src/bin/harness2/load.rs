//! The load, from another process: wrk when it is installed (`apt-get install wrk`), else
//! `bench-load` beside this binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::servers::{Server, Tokens};

/// Which load generator.
pub enum Load {
    Wrk,
    Own(PathBuf),
}

/// One measured run against one server.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub requests: u64,
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
}

/// Whether `wrk` answers on this machine.
pub fn wrk_installed() -> bool {
    Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wrk"))
}

impl Load {
    pub fn name(&self) -> &'static str {
        match self {
            Load::Wrk => "wrk",
            Load::Own(_) => "bench-load",
        }
    }

    /// Drives `server` with `connections` keep-alive connections for `secs` seconds.
    pub fn run(
        &self,
        server: &Server,
        connections: usize,
        threads: usize,
        secs: u64,
        scratch: &Path,
    ) -> Result<Run, String> {
        match self {
            Load::Wrk => wrk(server, connections, threads, secs, scratch),
            Load::Own(binary) => own(binary, server, connections, threads, secs),
        }
    }
}

fn output(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn own(
    binary: &Path,
    server: &Server,
    connections: usize,
    threads: usize,
    secs: u64,
) -> Result<Run, String> {
    let mut cmd = crate::servers::pinned(crate::servers::LOAD_CPU, binary);
    cmd.args(["--addr", &server.addr.to_string(), "--path", server.path])
        .args(["--connections", &connections.to_string()])
        .args(["--threads", &threads.to_string()])
        .args(["--duration", &secs.to_string()]);
    match &server.tokens {
        Tokens::One(t) => cmd.args(["--token", t]),
        Tokens::File(f) => cmd.arg("--tokens").arg(f),
    };
    let text = output(&mut cmd)?;
    let field = |key: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| format!("bench-load printed no {key}: {text}"))
    };
    let (requests, errors, seconds) = (field("requests=")?, field("errors=")?, field("seconds=")?);
    if errors > 0.0 {
        return Err(format!("{}: {errors} failed requests", server.name));
    }
    Ok(Run {
        requests: requests as u64,
        rps: requests / seconds,
        p50_us: field("p50_us=")?,
        p99_us: field("p99_us=")?,
    })
}

/// The Lua script that makes wrk cycle through a file of tokens.
fn script(tokens: &Path, scratch: &Path) -> Result<PathBuf, String> {
    let path = scratch.join("tokens.lua");
    let lua = format!(
        "local tokens = {{}}\n\
         for line in io.lines(\"{}\") do tokens[#tokens + 1] = \"Bearer \" .. line end\n\
         local i = 0\n\
         function init(args) i = math.random(#tokens) end\n\
         function request()\n\
         \x20 i = i % #tokens + 1\n\
         \x20 return wrk.format(\"GET\", nil, {{ [\"Authorization\"] = tokens[i] }})\n\
         end\n",
        tokens.display()
    );
    std::fs::write(&path, lua).map_err(|e| e.to_string())?;
    Ok(path)
}

/// `12.34us`, `1.20ms`, `2.00s` in microseconds.
fn micros(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (value, unit) = text.split_at(split);
    let value: f64 = value.parse().ok()?;
    Some(match unit {
        "us" => value,
        "ms" => value * 1e3,
        "s" => value * 1e6,
        "m" => value * 60e6,
        _ => return None,
    })
}

fn wrk(
    server: &Server,
    connections: usize,
    threads: usize,
    secs: u64,
    scratch: &Path,
) -> Result<Run, String> {
    let mut cmd = crate::servers::pinned(crate::servers::LOAD_CPU, "wrk");
    cmd.arg(format!("-t{}", threads.min(connections)))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{secs}s"))
        .arg("--latency")
        .arg("--timeout=10s");
    match &server.tokens {
        Tokens::One(t) => cmd.arg("-H").arg(format!("Authorization: Bearer {t}")),
        Tokens::File(f) => cmd.arg("-s").arg(script(f, scratch)?),
    };
    cmd.arg(format!("http://{}{}", server.addr, server.path));
    let text = output(&mut cmd)?;
    let line = |start: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(start))
            .map(str::to_owned)
    };
    let after = |start: &str| line(start).map(|l| l[start.len()..].trim().to_owned());
    if let Some(bad) = line("Non-2xx or 3xx responses:").or_else(|| line("Socket errors:")) {
        return Err(format!("{}: wrk saw {bad}", server.name));
    }
    let fail = || format!("cannot read wrk's output:\n{text}");
    let rps: f64 = after("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(fail)?;
    let requests: u64 = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(fail)?;
    let p = |pct: &str| after(pct).as_deref().and_then(micros).ok_or_else(fail);
    Ok(Run {
        requests,
        rps,
        p50_us: p("50%")?,
        p99_us: p("99%")?,
    })
}
