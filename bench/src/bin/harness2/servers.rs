//! The servers under load, each its own process: `bench-server VARIANT` beside this binary, or
//! the quickstart example; their CPU time from `/proc/PID/stat`; a plain HTTP/1.1 client for
//! the quickstart's login and each variant's probe.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// What the load sends as `Authorization: Bearer`: one token, or one a line from a file.
#[derive(Clone)]
pub enum Tokens {
    One(String),
    File(PathBuf),
}

/// A server under load; killed and reaped when dropped.
pub struct Server {
    pub name: String,
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    pub path: &'static str,
    pub tokens: Tokens,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// utime + stime of the whole process (every thread), in clock ticks.
    pub fn cpu_ticks(&self) -> Result<u64, String> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .map_err(|e| format!("{} (pid {}) is gone: {e}", self.name, self.pid))?;
        // The command name may hold spaces and parentheses: count fields after the last ')'.
        let rest = &stat[stat.rfind(')').ok_or("odd /proc stat")? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // Fields 14 and 15 of proc(5); field 3 (state) is the first after ')'.
        let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        Ok(tick(11).ok_or("no utime")? + tick(12).ok_or("no stime")?)
    }
}

/// Clock ticks per second of `/proc/PID/stat` (`getconf CLK_TCK`; 100 when it cannot say).
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// Starts `bench-server VARIANT` and waits for its `pid=... port=...` line.
pub fn start_variant(dir: &Path, name: &str, tokens: Tokens) -> Result<Server, String> {
    // The metrics variant is its own build (authx's `metrics` feature on), so that the others
    // run without the feature, as an app that does not enable it would.
    let binary = match name {
        "metrics" if dir.join("bench-server-metrics").exists() => dir.join("bench-server-metrics"),
        _ => dir.join("bench-server"),
    };
    let mut child = pinned(SERVER_CPU, &binary)
        .args([name, "--stdin-lifeline"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {} ({e}): cargo build --release -p authx-bench",
                binary.display()
            )
        })?;
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(300))
        .unwrap_or_default();
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.parse::<u32>().ok())
    };
    let (Some(pid), Some(port)) = (field("pid="), field("port=")) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("bench-server {name} did not start"));
    };
    Ok(Server {
        name: name.into(),
        child,
        pid,
        addr: SocketAddr::from(([127, 0, 0, 1], port as u16)),
        path: "/",
        tokens,
    })
}

/// The quickstart example (memory store, metrics on, as `cargo run --example quickstart`
/// serves it) on a free port, logged in as its admin: the load asks for `GET /protected`.
pub fn start_quickstart(binary: &Path, secret: &str) -> Result<Server, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let child = pinned(SERVER_CPU, binary)
        .env("PORT", port.to_string())
        .env("AUTHX_SECRET_KEY", secret)
        .env("AUTHX_STORE_URL", "memory://")
        .env("AUTHX_TOKEN_LOCATION", "headers")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {} ({e}): cargo build --release -p authx-examples --example \
                 quickstart",
                binary.display()
            )
        })?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut server = Server {
        name: "quickstart".into(),
        pid: child.id(),
        child,
        addr,
        path: "/protected",
        tokens: Tokens::One(String::new()),
    };
    for _ in 0..600 {
        if TcpStream::connect(addr).is_ok() {
            let body = r#"{"username":"admin","password":"admin"}"#;
            let headers = [("content-type", "application/json")];
            let (status, answer) = http(addr, "POST", "/login", &headers, body)?;
            let pair: serde_json::Value = serde_json::from_slice(&answer)
                .map_err(|e| format!("quickstart login answered {status}: {e}"))?;
            let token = pair["access_token"]
                .as_str()
                .ok_or_else(|| format!("quickstart login answered {status}: {pair}"))?;
            server.tokens = Tokens::One(token.to_owned());
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "the quickstart did not listen on {addr} within 60 s"
    ))
}

/// One request on its own connection: (status, body).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, Vec<u8>), String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| format!("{addr}: {e}"))?;
    let head_end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no HTTP head")?;
    let status = std::str::from_utf8(&answer[..head_end])
        .ok()
        .and_then(|h| h.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("no HTTP status")?;
    Ok((status, answer[head_end + 4..].to_vec()))
}

/// One authorized request to the server's route: the length of its `200` body.
pub fn probe(server: &Server) -> Result<usize, String> {
    let token = match &server.tokens {
        Tokens::One(t) => t.clone(),
        Tokens::File(path) => std::fs::read_to_string(path)
            .map_err(|e| e.to_string())?
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    let bearer = format!("Bearer {token}");
    let (status, body) = http(
        server.addr,
        "GET",
        server.path,
        &[("authorization", &bearer)],
        "",
    )?;
    if status != 200 {
        return Err(format!(
            "{} answered {status}: {}",
            server.name,
            String::from_utf8_lossy(&body)
        ));
    }
    Ok(body.len())
}

/// The CPU the servers run on and the one the load runs on, when the machine has two or more
/// and `taskset` is installed: the server's CPU time per request is then its own, not shared
/// out by the scheduler with the load generator's.
pub const SERVER_CPU: &str = "1";
/// See [`SERVER_CPU`].
pub const LOAD_CPU: &str = "0";

/// Whether the processes are pinned (see [`SERVER_CPU`]).
pub fn pinning() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
        && Command::new("taskset")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// `program` run on `cpu` when [`pinning`], else as is.
pub fn pinned(cpu: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
    if pinning() {
        let mut cmd = Command::new("taskset");
        cmd.arg("-c").arg(cpu).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}
