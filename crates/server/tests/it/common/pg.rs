//! A throw-away PostgreSQL cluster that a test controls: `initdb` in a
//! temporary directory, `pg_ctl start` on a free port on 127.0.0.1, and
//! `stop`/`start` again (a database outage on demand). As root (CI) the
//! PostgreSQL tools run as the `postgres` user (`runuser`), which owns the
//! directory; otherwise as the current user. Missing PostgreSQL binaries are a
//! test failure naming what to install, never a silent skip.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use tempfile::TempDir;

/// A PostgreSQL server in a temporary directory, stopped and removed on drop.
pub(crate) struct TempPg {
    dir: TempDir,
    bin: PathBuf,
    /// `Some((uid, gid))` of `postgres` when the tools must run as that user.
    owner: Option<(u32, u32)>,
    pub port: u16,
}

/// The directory holding `initdb` and `pg_ctl`: `pg_config --bindir`, else the
/// newest `/usr/lib/postgresql/*/bin`. Panics with what to install if none.
pub(crate) fn pg_bindir() -> PathBuf {
    let has_tools = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_tools(&d) {
            return d;
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: neither `pg_config \
             --bindir` nor /usr/lib/postgresql/*/bin has them. This test starts its own \
             PostgreSQL: install it with `scripts/deps.sh test` (Debian package `postgresql`)."
        ),
    }
}

fn id_of(flag: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .expect("running `id`");
    assert!(
        out.status.success(),
        "running as root, the PostgreSQL tools need the `postgres` user (Debian package \
         `postgresql`, see scripts/deps.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TempPg {
    /// Creates the cluster (`initdb`, trust authentication on loopback,
    /// `fsync=off`: correctness tests only) and starts it.
    pub(crate) fn start() -> TempPg {
        let bin = pg_bindir();
        let dir = tempfile::Builder::new()
            .prefix("tern-pg")
            .tempdir()
            .unwrap();
        let root = std::fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(1)
            == 0;
        let owner = root.then(|| (id_of("-u"), id_of("-g")));
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let mut pg = TempPg {
            dir,
            bin,
            owner,
            port: 0,
        };
        let data = pg.data();
        let out = pg.tool(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        assert!(out.status.success(), "initdb failed: {}", text(&out));
        // A free port can be taken between asking and binding: try a few.
        for attempt in 0..5 {
            pg.port = free_port();
            let out = pg.pg_ctl_start();
            if out.status.success() {
                return pg;
            }
            eprintln!(
                "pg_ctl start on port {} failed (attempt {attempt}): {}",
                pg.port,
                text(&out)
            );
        }
        panic!("PostgreSQL did not start; log:\n{}", pg.log());
    }

    /// `postgres://postgres@127.0.0.1:PORT/<db>`.
    pub(crate) fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `name`; returns its URL.
    pub(crate) async fn create_database(&self, name: &str) -> String {
        let (client, conn) = tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        self.url(name)
    }

    /// Stops the server (`pg_ctl stop -m fast`: sessions are ended, open
    /// transactions rolled back) and waits until it is down.
    pub(crate) fn stop(&self) {
        let data = self.data();
        let out = self.tool("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
        assert!(out.status.success(), "pg_ctl stop: {}", text(&out));
    }

    /// Starts the stopped server again on the same port and waits until it
    /// accepts connections.
    pub(crate) fn start_again(&self) {
        let out = self.pg_ctl_start();
        assert!(
            out.status.success(),
            "pg_ctl start: {}\n{}",
            text(&out),
            self.log()
        );
    }

    /// Freezes every process of the server (SIGSTOP): connections stay open
    /// but nothing answers, as with a hung host or a network partition.
    pub(crate) fn freeze(&self) {
        self.signal("-STOP").unwrap();
    }

    /// Undoes [`TempPg::freeze`] (SIGCONT).
    pub(crate) fn thaw(&self) {
        self.signal("-CONT").unwrap();
    }

    /// Sends `sig` to the postmaster (from `postmaster.pid`) and its children.
    fn signal(&self, sig: &str) -> Result<(), String> {
        let pidfile = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid"))
            .map_err(|e| format!("postmaster.pid (is the server running?): {e}"))?;
        let main: u32 = pidfile
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .ok_or("postmaster.pid without a pid")?;
        let mut pids = vec![main];
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid …; comm may hold spaces: split after ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(main) {
                pids.extend(e.file_name().to_str().and_then(|p| p.parse::<u32>().ok()));
            }
        }
        // The postmaster must get it; a backend may have exited meanwhile.
        let send = |pid: u32| {
            Command::new("kill")
                .args([sig, &pid.to_string()])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !send(main) {
            return Err(format!("kill {sig} {main} (the postmaster) failed"));
        }
        for pid in &pids[1..] {
            send(*pid);
        }
        Ok(())
    }

    /// The server's log so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn pg_ctl_start(&self) -> Output {
        let dir = self.dir.path().display().to_string();
        let opts = format!(
            "-p {} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            self.port
        );
        let (data, log) = (self.data(), format!("{dir}/log"));
        self.tool(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &opts, "-w", "-t", "60", "start",
            ],
        )
    }

    /// Runs a PostgreSQL tool (as `postgres` when running as root).
    fn tool(&self, name: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(name);
        let mut cmd = match self.owner {
            Some(_) => {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        // The tools want a working directory their user may enter.
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST");
        let started = std::time::Instant::now();
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
        if started.elapsed() > Duration::from_secs(30) {
            eprintln!("{name} took {:?}", started.elapsed());
        }
        out
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Drop for TempPg {
    fn drop(&mut self) {
        // A frozen server would not stop.
        let _ = self.signal("-CONT");
        let data = self.data();
        let _ = self.tool("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}
