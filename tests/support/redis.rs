//! `redis-server` processes of a test's own: one server on a free port (append-only file,
//! fsync always), or a Redis Cluster of several, built with `redis-cli --cluster create`.
//! Starting them panics, naming what is missing, when `redis-server` or `redis-cli` is not on
//! the `PATH`: the tests that need them fail, never skip.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` child process with its own directory, killed when dropped.
pub struct RedisProcess {
    child: Option<Child>,
    /// The port it serves.
    pub port: u16,
    dir: tempfile::TempDir,
    args: Vec<String>,
}

impl RedisProcess {
    /// A standalone server with an append-only file synced on every write.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// A server with `args` on top of the port, the directory and `appendfsync always` (a
    /// later option wins). A port taken between choosing and binding it is retried on another.
    pub async fn start_with(args: &[&str]) -> Self {
        Self::start_with_ports(args, &[]).await
    }

    /// Like [`start_with`](Self::start_with), with `--<option> <free port>` for each option in
    /// `port_options` (`cluster-port`...), chosen again on a retry.
    pub async fn start_with_ports(args: &[&str], port_options: &[&str]) -> Self {
        for _ in 0..5 {
            let mut all: Vec<String> = args.iter().map(|&a| a.to_owned()).collect();
            for option in port_options {
                all.extend([format!("--{option}"), free_port().to_string()]);
            }
            let mut r = RedisProcess {
                child: None,
                port: free_port(),
                dir: tempfile::tempdir().unwrap(),
                args: all,
            };
            if r.try_spawn().await {
                return r;
            }
        }
        panic!("redis-server could not bind a free port in 5 tries");
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Its directory (append-only file, cluster configuration).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Restarts the server on its port and directory, and waits for it.
    pub async fn spawn(&mut self) {
        assert!(
            self.try_spawn().await,
            "redis-server did not start again on port {}; its log: {}",
            self.port,
            self.log()
        );
    }

    /// What the server logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    /// Starts the server and waits up to 5 s until it answers as itself (its `process_id`);
    /// `false` when it exited first (its port was taken).
    async fn try_spawn(&mut self) -> bool {
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--logfile", "redis.log"])
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start redis-server ({e}): these tests need it on the PATH")
            });
        let pid = i64::from(child.id());
        for _ in 0..500 {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            let info: redis::RedisResult<String> = command(self.port, &["INFO", "server"]).await;
            if info.is_ok_and(|i| i.contains(&format!("process_id:{pid}\r\n"))) {
                self.child = Some(child);
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "redis-server did not answer on port {} within 5 s; its log: {}",
            self.port,
            self.log()
        );
    }

    /// SIGSTOP: the process stays, answering nothing, until [`resume`](Self::resume).
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// SIGCONT after [`pause`](Self::pause).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("a running server").id();
        let ok = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {signal} {pid} failed");
    }

    /// SIGKILL: no shutdown, no final save; only what the append-only file holds survives.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// Whether the process is running (not killed).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One command to the server on `port`, over a fresh connection.
pub async fn command<T: redis::FromRedisValue>(port: u16, args: &[&str]) -> redis::RedisResult<T> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query_async(&mut conn).await
}

/// A Redis Cluster of `masters` masters with `replicas` replicas each, every node its own
/// process (append-only, fsync always), all killed when dropped.
pub struct RedisCluster {
    /// Every node, masters and replicas as `redis-cli --cluster create` assigned them.
    pub nodes: Vec<RedisProcess>,
}

impl RedisCluster {
    /// Starts the nodes, joins them into a cluster, and waits until every node reports
    /// `cluster_state:ok` and every master has its replicas in sync. `node_timeout` is how
    /// long a silent master takes to be failed over.
    pub async fn start(masters: usize, replicas: usize, node_timeout: Duration) -> Self {
        let timeout = node_timeout.as_millis().to_string();
        let mut nodes = Vec::new();
        for _ in 0..masters * (1 + replicas) {
            // Durability comes from the replicas here: no append-only file to fsync.
            let args = [
                "--appendonly",
                "no",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                &timeout,
            ];
            nodes.push(RedisProcess::start_with_ports(&args, &["cluster-port"]).await);
        }
        let addrs: Vec<String> = nodes.iter().map(RedisProcess::addr).collect();
        let create = tokio::process::Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(60), create)
            .await
            .expect("redis-cli --cluster create did not finish within 60 s")
            .unwrap_or_else(|e| {
                panic!("cannot run redis-cli ({e}): these tests need it on the PATH")
            });
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let cluster = RedisCluster { nodes };
        cluster.wait_until_healthy(masters, replicas).await;
        cluster
    }

    /// `redis+cluster://` naming every node, with `options` (`wait_replicas=1`...) if any.
    pub fn url(&self, options: &str) -> String {
        let hosts: Vec<String> = self.nodes.iter().map(RedisProcess::addr).collect();
        let query = if options.is_empty() {
            String::new()
        } else {
            format!("?{options}")
        };
        format!("redis+cluster://{}{query}", hosts.join(","))
    }

    /// The live nodes' ports.
    pub fn live_ports(&self) -> Vec<u16> {
        self.nodes
            .iter()
            .filter(|n| n.is_running())
            .map(|n| n.port)
            .collect()
    }

    /// Waits (up to 20 s) until every live node says `cluster_state:ok`, `masters` masters
    /// serve the slots, and each has `replicas` replicas whose link is up.
    pub async fn wait_until_healthy(&self, masters: usize, replicas: usize) {
        let started = Instant::now();
        loop {
            match self.health(masters, replicas).await {
                Ok(()) => return,
                Err(why) if started.elapsed() > Duration::from_secs(20) => {
                    panic!("the Redis Cluster did not become healthy within 20 s: {why}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn health(&self, masters: usize, replicas: usize) -> Result<(), String> {
        for port in self.live_ports() {
            let info: String = command(port, &["CLUSTER", "INFO"])
                .await
                .map_err(|e| e.to_string())?;
            if !info.contains("cluster_state:ok") {
                return Err(format!("node {port}: {info}"));
            }
        }
        let masters_now = self.masters().await?;
        if masters_now.len() != masters {
            return Err(format!("{} masters", masters_now.len()));
        }
        for (port, _) in masters_now {
            let info: String = command(port, &["INFO", "replication"])
                .await
                .map_err(|e| e.to_string())?;
            let synced = info
                .lines()
                .filter(|l| l.starts_with("slave") && l.contains("state=online"))
                .count();
            if synced != replicas {
                return Err(format!("master {port}: {synced} replicas online"));
            }
        }
        Ok(())
    }

    /// The live masters that serve slots: `(port, slot ranges)`, read from `CLUSTER NODES` of
    /// a live node.
    pub async fn masters(&self) -> Result<Vec<(u16, Vec<(u16, u16)>)>, String> {
        let port = *self.live_ports().first().ok_or("no live node")?;
        let nodes: String = command(port, &["CLUSTER", "NODES"])
            .await
            .map_err(|e| e.to_string())?;
        let mut masters = Vec::new();
        for line in nodes.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 9 || !fields[2].contains("master") || fields[2].contains("fail") {
                continue;
            }
            let node_port =
                node_port(fields[1]).ok_or_else(|| format!("odd CLUSTER NODES line: {line}"))?;
            let ranges = fields[8..]
                .iter()
                .filter(|r| !r.starts_with('['))
                .map(|r| match r.split_once('-') {
                    Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
                    None => (r.parse().unwrap(), r.parse().unwrap()),
                })
                .collect();
            masters.push((node_port, ranges));
        }
        Ok(masters)
    }

    /// The port of the master serving `key`'s slot.
    pub async fn master_of(&self, key: &str) -> u16 {
        let port = self.live_ports()[0];
        let slot: i64 = command(port, &["CLUSTER", "KEYSLOT", key]).await.unwrap();
        let slot = u16::try_from(slot).unwrap();
        self.masters()
            .await
            .unwrap()
            .into_iter()
            .find(|(_, ranges)| ranges.iter().any(|&(a, b)| a <= slot && slot <= b))
            .map(|(port, _)| port)
            .unwrap_or_else(|| panic!("no master serves slot {slot}"))
    }

    /// The node on `port`.
    pub fn node(&mut self, port: u16) -> &mut RedisProcess {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .expect("a node of this cluster")
    }

    /// The ports of the live replicas of the master on `port`.
    pub async fn replicas_of(&self, port: u16) -> Vec<u16> {
        let nodes: String = command(port, &["CLUSTER", "NODES"]).await.unwrap();
        let lines: Vec<Vec<&str>> = nodes
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        let id = lines
            .iter()
            .find(|f| f.len() > 3 && node_port(f[1]) == Some(port))
            .map(|f| f[0])
            .expect("the master in CLUSTER NODES");
        lines
            .iter()
            .filter(|f| f.len() > 3 && f[2].contains("slave") && !f[2].contains("fail"))
            .filter(|f| f[3] == id)
            .filter_map(|f| node_port(f[1]))
            .collect()
    }
}

/// The port in a `CLUSTER NODES` address (`ip:port@busport[,hostname]`).
fn node_port(addr: &str) -> Option<u16> {
    addr.split(['@', ','])
        .next()
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok())
}

/// Watches what the servers at `urls` execute (`MONITOR`) and counts the commands clients
/// sent that name a key under `prefix`, per server; commands a script runs inside Redis are not
/// round trips, and are left out. Stop the watch by aborting the returned tasks.
pub async fn count_commands(
    urls: &[String],
    prefix: &str,
) -> (
    Vec<tokio::task::JoinHandle<()>>,
    Vec<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
) {
    use futures_util::StreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut tasks = Vec::new();
    let mut counts = Vec::new();
    for url in urls {
        let client = redis::Client::open(url.as_str()).unwrap();
        let monitor = client.get_async_monitor().await.unwrap();
        let seen = std::sync::Arc::new(AtomicUsize::new(0));
        let count = seen.clone();
        let prefix = prefix.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut lines = monitor.into_on_message::<String>();
            while let Some(line) = lines.next().await {
                if line.contains(&prefix) && !line.contains(" lua]") {
                    count.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
        counts.push(seen);
    }
    // MONITOR is on once its first line arrives; give it a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;
    (tasks, counts)
}
