//! tern-server as a real child process (the binary cargo built for these
//! tests), and client calls that report a lost connection instead of
//! panicking, for tests that kill servers or their database.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tempfile::TempDir;
use tern_proto::{ClientFrame, Platform, ReqId, Request, Response, ServerFrame, WireError};
use tokio_tungstenite::tungstenite::Message;

use super::{register, Client};

/// Cheap password hashing (the accounts are test fixtures) and no
/// per-connection rate limit (the tests are load tests); the rest is default.
const CONFIG: &str = "argon2_memory_kib = 256\nargon2_iterations = 1\n\
                      rate_per_sec = 1000000.0\nrate_burst = 1000000.0\n";

/// A `tern-server` process on `127.0.0.1:0` with its own data directory.
pub(crate) struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    pub dir: TempDir,
    database: String,
    /// Extra environment of the process (taken again by [`Self::restart`]).
    pub env: Vec<(String, String)>,
}

impl ServerProcess {
    /// Starts `tern-server --database <database>` and waits (at most 60 s)
    /// for its `listening on` line.
    pub(crate) fn start(database: &str) -> ServerProcess {
        Self::start_with(database, "", &[])
    }

    /// Like [`Self::start`], with `extra` appended to the TOML file and
    /// `env` in the environment.
    pub(crate) fn start_with(database: &str, extra: &str, env: &[(&str, &str)]) -> ServerProcess {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tern.toml"), format!("{CONFIG}{extra}")).unwrap();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (child, addr) = spawn(dir.path(), database, &env);
        ServerProcess {
            child,
            addr,
            dir,
            database: database.to_string(),
            env,
        }
    }

    /// SIGKILL: no shutdown, no answers to what is in flight.
    pub(crate) fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Starts the (killed or stopped) process again on its data directory;
    /// it gets a new port.
    pub(crate) fn restart(&mut self) {
        let (child, addr) = spawn(self.dir.path(), &self.database, &self.env);
        self.child = child;
        self.addr = addr;
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub(crate) fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// The process's output so far (stdout and stderr).
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(dir: &std::path::Path, database: &str, env: &[(String, String)]) -> (Child, SocketAddr) {
    let log_path = dir.join("server.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tern-server"))
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(dir.join("tern.toml"))
        .arg("--database")
        .arg(database)
        .env("TERN_LOG", "warn")
        .env_remove("TERN_DATABASE")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log.try_clone().unwrap())
        .spawn()
        .expect("starting tern-server");
    // Forward stdout (the address line, then the log) to the log file; a
    // pipe nobody drains would block the server once full.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut log = log;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("tern-server listening on ") {
                let _ = tx.send(addr.trim().parse::<SocketAddr>().unwrap());
            }
            let _ = writeln!(log, "{line}");
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(addr) => (child, addr),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "tern-server did not start; its output:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
    }
}

/// How long a test waits for one frame before it calls the connection lost.
pub(crate) const FRAME_WAIT: Duration = Duration::from_secs(20);

impl Client {
    /// Connects to `addr`, registers `name` if needed and logs in a desktop
    /// device; an error (server gone, login refused) is returned, not a panic.
    pub(crate) async fn try_user(addr: SocketAddr, name: &str) -> Result<Client, String> {
        let connect = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"));
        let (ws, _) = tokio::time::timeout(FRAME_WAIT, connect)
            .await
            .map_err(|_| format!("{addr}: connect timed out"))?
            .map_err(|e| format!("{addr}: {e}"))?;
        let mut c = Client::from_ws(ws);
        let hello = Request::Hello {
            version: tern_proto::PROTOCOL_VERSION,
        };
        c.try_pipeline(vec![hello])
            .await?
            .remove(0)
            .map_err(|e| format!("hello: {e}"))?;
        // Already registered (through another server) is fine.
        c.try_pipeline(vec![register(name)]).await?;
        let login = Request::Login {
            user: super::uid(name),
            password: super::PASSWORD.into(),
            platform: Platform::Desktop,
            device: tern_proto::DeviceId::new(format!("{name}-dev")).unwrap(),
        };
        match c.try_pipeline(vec![login]).await?.remove(0) {
            Ok(Response::Session { token, .. }) => {
                c.token = Some(token);
                c.user = Some(super::uid(name));
                Ok(c)
            }
            other => Err(format!("login of {name}: {other:?}")),
        }
    }

    /// [`Client::pipeline`] that returns `Err` when the connection is lost
    /// (closed, reset, or no frame within [`FRAME_WAIT`]) before every
    /// response has arrived.
    pub(crate) async fn try_pipeline(
        &mut self,
        reqs: Vec<Request>,
    ) -> Result<Vec<Result<Response, WireError>>, String> {
        let mut ids = Vec::with_capacity(reqs.len());
        for req in reqs {
            self.next_id += 1;
            let id = ReqId(self.next_id);
            ids.push(id);
            let frame = Message::text(ClientFrame { id, req }.encode());
            self.ws.feed(frame).await.map_err(|e| e.to_string())?;
        }
        self.ws.flush().await.map_err(|e| e.to_string())?;
        let mut got = std::collections::HashMap::new();
        while got.len() < ids.len() {
            let msg = tokio::time::timeout(FRAME_WAIT, self.ws.next())
                .await
                .map_err(|_| format!("no frame within {FRAME_WAIT:?}"))?
                .ok_or("connection ended")?
                .map_err(|e| e.to_string())?;
            let text = match msg {
                Message::Text(t) => t,
                Message::Close(f) => return Err(format!("closed: {f:?}")),
                _ => continue,
            };
            match ServerFrame::decode(text.as_str()).map_err(|e| e.to_string())? {
                ServerFrame::Ok { id, res } => {
                    got.insert(id.0, Ok(res));
                }
                ServerFrame::Err { id: Some(id), err } => {
                    got.insert(id.0, Err(err));
                }
                // Pushes are not what these tests check: dropped.
                ServerFrame::Push { .. } => {}
                other => return Err(format!("unexpected frame {other:?}")),
            }
        }
        Ok(ids.iter().map(|id| got.remove(&id.0).unwrap()).collect())
    }
}
