//! Helpers: a real tern-server in-process and the real `tern-cli` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// Upper bound of any single wait in these tests.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

pub(crate) async fn start_server(dir: &Path) -> tern_server::ServerHandle {
    tern_server::spawn(tern_server::Config::for_tests(dir.join("server")))
        .await
        .unwrap()
}

/// A `tern-cli` command for `user`'s data dir.
pub(crate) fn cli(server: &tern_server::ServerHandle, dir: &Path, user: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern-cli"));
    c.arg("--server")
        .arg(format!("ws://{}", server.addr()))
        .arg("--data-dir")
        .arg(data_dir(dir, user))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

pub(crate) fn data_dir(dir: &Path, user: &str) -> PathBuf {
    dir.join(format!("cli-{user}"))
}

/// Output of a finished command.
pub(crate) struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Stdout's lines as JSON values.
    pub(crate) fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
            .collect()
    }
}

/// Runs `tern-cli <args>` as `user` and waits (bounded) for it.
pub(crate) async fn run(
    server: &tern_server::ServerHandle,
    dir: &Path,
    user: &str,
    args: &[&str],
) -> Out {
    let out = tokio::time::timeout(WAIT, cli(server, dir, user).args(args).output())
        .await
        .expect("tern-cli timed out")
        .expect("tern-cli runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and asserts success.
pub(crate) async fn ok(
    server: &tern_server::ServerHandle,
    dir: &Path,
    user: &str,
    args: &[&str],
) -> Out {
    let out = run(server, dir, user, args).await;
    assert_eq!(out.code, 0, "tern-cli {args:?} failed: {}", out.stderr);
    out
}

/// Registers and logs in `user` through the CLI.
pub(crate) async fn signup(server: &tern_server::ServerHandle, dir: &Path, user: &str) {
    ok(server, dir, user, &["register", user, "password123"]).await;
    ok(server, dir, user, &["login", user, "password123"]).await;
}

/// Spawns a long-running `tern-cli` with piped stdout (and stdin).
pub(crate) fn spawn(
    server: &tern_server::ServerHandle,
    dir: &Path,
    user: &str,
    args: &[&str],
) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = cli(server, dir, user)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn tern-cli");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

/// Reads JSON lines until one matches `pred` (bounded by [`WAIT`]); returns it and
/// everything read before.
pub(crate) async fn read_until(
    lines: &mut Lines<BufReader<ChildStdout>>,
    pred: impl Fn(&Value) -> bool,
) -> (Value, Vec<Value>) {
    let mut seen = Vec::new();
    let fut = async {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("output ended early");
            let v: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"));
            if pred(&v) {
                return v;
            }
            seen.push(v);
        }
    };
    let res = tokio::time::timeout(WAIT, fut).await;
    match res {
        Ok(v) => (v, seen),
        Err(_) => {
            panic!("expected output did not come within {WAIT:?}; the lines before: {seen:?}")
        }
    }
}

/// Closes a `listen` child's stdin and waits for it to exit successfully.
pub(crate) async fn stop_listen(listener: &mut Child) {
    drop(listener.stdin.take());
    let status = tokio::time::timeout(WAIT, listener.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
}
