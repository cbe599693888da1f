//! The servers under test run as child processes of the tool, so their memory can be
//! read from `/proc` and their CPU is not mixed with the load generator's threads:
//! the real `tern-server` binary, and `tern-bench echo-server` for the baseline.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

/// How to start tern-server.
#[derive(Debug, Clone)]
pub enum ServerBin {
    /// The real `tern-server` binary.
    Real(PathBuf),
    /// This tool re-executed as `tern-bench serve-tern` (same library code as the
    /// binary's `main`); used only when the binary cannot be found (e.g. `cargo test`).
    SelfExec(PathBuf),
}

impl ServerBin {
    /// Human-readable description for the report.
    pub fn describe(&self) -> String {
        match self {
            Self::Real(p) => format!("{} (real binary)", p.display()),
            Self::SelfExec(p) => format!("{} serve-tern (same library, self-exec)", p.display()),
        }
    }
}

/// Finds the `tern-server` binary: the explicit path, else next to this executable,
/// else builds it with cargo (same profile and target dir), else self-exec.
pub(crate) fn locate_server(explicit: Option<PathBuf>, allow_build: bool) -> Result<ServerBin> {
    let me = std::env::current_exe().context("current_exe")?;
    if let Some(p) = explicit {
        if !p.exists() {
            bail!("--server-bin {} does not exist", p.display());
        }
        return Ok(ServerBin::Real(p));
    }
    let sibling = me.with_file_name("tern-server");
    let fresh = |p: &Path| p.exists();
    if allow_build {
        // Keep the binary up to date with the sources, like `cargo run` does for us.
        if let Ok(cargo) = std::env::var("CARGO") {
            let release = me
                .parent()
                .and_then(|d| d.file_name())
                .is_some_and(|n| n == "release");
            let mut cmd = Command::new(cargo);
            cmd.args(["build", "-q", "-p", "tern-server", "--bin", "tern-server"]);
            if release {
                cmd.arg("--release");
            }
            eprintln!(
                "[tern-bench] building tern-server ({}) ...",
                if release { "release" } else { "debug" }
            );
            let ok = cmd.status().map(|s| s.success()).unwrap_or(false);
            if !ok {
                eprintln!("[tern-bench] warning: building tern-server failed");
            }
        }
    }
    if fresh(&sibling) {
        return Ok(ServerBin::Real(sibling));
    }
    Ok(ServerBin::SelfExec(me))
}

/// A child process serving on `addr`; killed (SIGTERM, then SIGKILL) when dropped.
pub(crate) struct Child {
    child: std::process::Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its data directory (for tern-server), removed on drop.
    _dir: Option<tempfile::TempDir>,
    /// Its PostgreSQL database (dropped after the process stopped).
    _db: Option<crate::pg::Scratch>,
}

impl Child {
    /// Its process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory in KiB.
    pub(crate) fn rss_kib(&self) -> u64 {
        crate::util::rss_kib(self.pid())
    }

    /// "RSS KiB (threads)" for the report.
    pub(crate) fn mem_note(&self) -> String {
        format!(
            "{} KiB ({} threads)",
            self.rss_kib(),
            crate::util::threads(self.pid())
        )
    }

    /// Stops the process: SIGTERM, wait up to 10 s, then SIGKILL.
    pub(crate) fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // SAFETY: sending a signal to our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Takes the data directory out so it survives this child (for a restart).
    pub(crate) fn take_dir(&mut self) -> Option<tempfile::TempDir> {
        self._dir.take()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Spawns `cmd`, waits for a stdout line starting with `prefix` followed by the
/// address, and keeps draining stdout so the child never blocks on a full pipe.
fn spawn_and_wait(
    mut cmd: Command,
    prefix: &'static str,
) -> Result<(std::process::Child, SocketAddr)> {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    let mut child = cmd.spawn().with_context(|| format!("spawning {cmd:?}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.trim().strip_prefix(prefix) {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(rest.trim().to_string());
                }
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(addr) => {
            let addr: SocketAddr = addr
                .parse()
                .map_err(|e| anyhow!("bad address {addr:?}: {e}"))?;
            Ok((child, addr))
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{cmd:?} did not report its address within 60 s")
        }
    }
}

/// Starts the echo baseline (`tern-bench echo-server`).
pub(crate) fn spawn_echo() -> Result<Child> {
    let me = std::env::current_exe()?;
    let mut cmd = Command::new(me);
    cmd.arg("echo-server");
    let (child, addr) = spawn_and_wait(cmd, "echo-server listening on")?;
    Ok(Child {
        child,
        addr,
        _dir: None,
        _db: None,
    })
}

/// Starts `tern-bench durable-relay-server` (S1's and S2's durable baseline); with
/// `sqlite`, the relay that stores tern-server's rows in its SQLite schema (S2).
pub(crate) fn spawn_durable_relay(sqlite: bool) -> Result<Child> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("durable-relay-server");
    if sqlite {
        cmd.arg("--sqlite");
    }
    let (child, addr) = spawn_and_wait(cmd, "durable-relay-server listening on")?;
    Ok(Child {
        child,
        addr,
        _dir: None,
        _db: None,
    })
}

/// Starts `tern-bench broadcast-server` (S3's baseline).
pub(crate) fn spawn_broadcast() -> Result<Child> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("broadcast-server");
    let (child, addr) = spawn_and_wait(cmd, "broadcast-server listening on")?;
    Ok(Child {
        child,
        addr,
        _dir: None,
        _db: None,
    })
}

/// Starts tern-server on 127.0.0.1:0 with a fresh data directory, or with `dir`,
/// on SQLite in that directory or on a fresh PostgreSQL database (`db`).
///
/// Benchmark configuration (written to a TOML file and flags): cheap argon2
/// parameters so that creating thousands of accounts takes seconds (logins are not
/// measured), the per-connection rate limit lifted (the default 50 req/s per
/// connection would cap the load test, not measure the server), and a long idle
/// timeout (idle connections are held while memory is read), and the per-address
/// connection cap lifted (every load client connects from 127.0.0.1; the default
/// 256 per address would refuse S2's 1,000 and S4's 10,000 clients). Everything
/// else is the server's default.
pub(crate) fn spawn_tern(
    bin: &ServerBin,
    db: &crate::pg::Db,
    dir: Option<tempfile::TempDir>,
) -> Result<Child> {
    let dir = match dir {
        Some(d) => d,
        None => tempfile::Builder::new().prefix("tern-bench-").tempdir()?,
    };
    let mut cmd = tern_command(bin, dir.path())?;
    let scratch = match db {
        crate::pg::Db::Sqlite => None,
        crate::pg::Db::Postgres(admin) => Some(crate::pg::Scratch::create(admin)?),
    };
    if let Some(s) = &scratch {
        cmd.arg("--database").arg(&s.url);
    }
    if let Some(p) = preload() {
        cmd.env("LD_PRELOAD", p);
    }
    let (child, addr) = spawn_and_wait(cmd, "tern-server listening on")?;
    Ok(Child {
        child,
        addr,
        _dir: Some(dir),
        _db: scratch,
    })
}

/// The tern-server command line of the benchmarks (see [`spawn_tern`]) with
/// `dir` holding its config and data directory.
fn tern_command(bin: &ServerBin, dir: &Path) -> Result<Command> {
    let config = dir.join("bench.toml");
    std::fs::write(
        &config,
        "argon2_memory_kib = 256\nargon2_iterations = 1\nmax_connections = 50000\n\
         [security]\nmax_connections_per_ip = 100000\n\
         # Thousands of users register from 127.0.0.1.\n\
         login_max_failures_per_ip = 1000000\n",
    )?;
    let data = dir.join("data");
    let mut cmd = match bin {
        ServerBin::Real(p) => Command::new(p),
        ServerBin::SelfExec(p) => {
            let mut c = Command::new(p);
            c.arg("serve-tern");
            c
        }
    };
    cmd.arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .args(["--rate-per-sec", "1000000", "--rate-burst", "1000000"])
        .args(["--idle-timeout-secs", "3600"])
        // S3 needs a 1,000-member group (ignored by servers without groups).
        .env("TERN_MAX_GROUP_MEMBERS", "5000")
        // The room scenario's sender sends hundreds of room messages a minute.
        .env("TERN_ROOM_MESSAGES_PER_MINUTE", "1000000")
        .env("TERN_LOG", "warn");
    Ok(cmd)
}

/// Starts node `node` of a cluster: tern-server as in [`spawn_tern`], on the
/// PostgreSQL database `db_url` and the bus `bus`, with the data directory
/// (token secret, files) under `dir`, which the nodes share.
pub(crate) fn spawn_node(
    bin: &ServerBin,
    db_url: &str,
    dir: &Path,
    node: &str,
    bus: &str,
) -> Result<Child> {
    let mut cmd = tern_command(bin, dir)?;
    cmd.arg("--database")
        .arg(db_url)
        .args(["--node-id", node, "--bus", bus]);
    if let Some(p) = preload() {
        cmd.env("LD_PRELOAD", p);
    }
    let (child, addr) = spawn_and_wait(cmd, "tern-server listening on")?;
    Ok(Child {
        child,
        addr,
        _dir: None,
        _db: None,
    })
}

/// `TERN_BENCH_PRELOAD`: a diagnostic `LD_PRELOAD` library for tern-server (see
/// `bench/diag/nodelay_preload.c`); figures taken with it are not Tern's own.
pub(crate) fn preload() -> Option<String> {
    std::env::var("TERN_BENCH_PRELOAD")
        .ok()
        .filter(|s| !s.is_empty())
}
