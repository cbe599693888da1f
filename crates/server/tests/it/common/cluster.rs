//! The cluster side of the test harness: a real `nats-server` on a free port
//! of 127.0.0.1 (killed when dropped), and whether the suite runs as a
//! cluster (`TERN_TEST_CLUSTER=1`, on PostgreSQL): then every [`TestServer`]
//! is two nodes on one database and one bus, and its `addr()` hands out the
//! nodes in turn, so the first user of a test lands on node 1, the second on
//! node 2, and so on.
//!
//! [`TestServer`]: super::TestServer

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether the suite runs as a two-node cluster (`TERN_TEST_CLUSTER=1`,
/// which needs `TERN_TEST_DATABASE`: a cluster runs on PostgreSQL).
pub(crate) fn in_cluster() -> bool {
    let on = std::env::var("TERN_TEST_CLUSTER").is_ok_and(|v| v == "1");
    assert!(
        !on || super::on_postgres(),
        "TERN_TEST_CLUSTER=1 needs TERN_TEST_DATABASE (see scripts/test-cluster.sh)"
    );
    on
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `nats-server` process on 127.0.0.1; killed when dropped.
pub(crate) struct Nats {
    child: Option<Child>,
    /// Its port (kept across [`Nats::restart`]).
    pub port: u16,
}

impl Nats {
    /// Starts one on a free port and waits until it accepts connections.
    pub(crate) fn start() -> Nats {
        let mut n = Nats {
            child: None,
            port: free_port(),
        };
        n.spawn();
        n
    }

    fn spawn(&mut self) {
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server (apt-get install nats-server; scripts/deps.sh)");
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `nats://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL) and waits for the process to end.
    pub(crate) fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port.
    pub(crate) fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.stop();
    }
}
