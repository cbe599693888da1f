//! Nodes of a cluster for the cluster tests: in-process nodes (tern_server::spawn)
//! and real `tern-server` processes (to SIGKILL), all on one PostgreSQL
//! database, one data directory (token secret, files) and one nats-server.
#![allow(dead_code)]

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use tern_server::config::Database;
use tern_server::{Config, ServerHandle};

use crate::common::cluster::Nats;

/// The config of in-process node `id` on `dir` and `nats`.
pub(crate) fn node_config(dir: &Path, nats: &Nats, id: &str) -> Config {
    let mut c = Config::for_tests(dir);
    c.bus = Some(nats.url());
    c.node_id = Some(id.into());
    c.admin_secret = Some(crate::admin_support::SECRET.into());
    c
}

/// Starts an in-process node.
pub(crate) async fn node(dir: &Path, nats: &Nats, id: &str) -> ServerHandle {
    tern_server::spawn(node_config(dir, nats, id))
        .await
        .unwrap()
}

/// A `tern-server` process (killed when dropped).
pub(crate) struct Proc {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Proc {
    /// Starts the real binary as node `id`, sharing `dir`'s database, and
    /// waits for its "listening on" line.
    pub(crate) fn start(dir: &Path, nats: &Nats, id: &str) -> Proc {
        let Database::Postgres(url) = Config::for_tests(dir).database else {
            panic!("cluster processes need TERN_TEST_DATABASE");
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_tern-server"))
            .args(["--listen", "127.0.0.1:0", "--node-id", id])
            .arg("--data-dir")
            .arg(dir)
            .args(["--database", &url, "--bus", &nats.url()])
            .args(["--admin-secret", crate::admin_support::SECRET])
            .env("TERN_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tern-server binary");
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        // Keep reading (the log goes to stdout too): a closed pipe would fail its writes.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let addr = line
            .trim()
            .rsplit(' ')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Proc { child, addr }
    }

    /// SIGKILL: no shutdown, no goodbye to the cluster.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}
