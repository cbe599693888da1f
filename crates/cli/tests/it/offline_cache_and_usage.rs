//! With the server unreachable, the commands that read the local cache
//! (`whoami`, `conversations`, `history`, `group list`, …) answer from it
//! instead of waiting for a connection and failing; a command that needs the
//! server still exits 4. An id the CLI cannot read is bad usage: exit 2.

use crate::common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_commands_answer_offline_and_bad_ids_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    signup(&server, dir.path(), "alice").await;
    signup(&server, dir.path(), "bob").await;
    ok(&server, dir.path(), "alice", &["send", "bob", "hello 你好"]).await;

    // Bad input never reaches the server: usage, exit 2.
    for args in [&["send", "Bad User!", "hi"][..], &["history", "x:y"][..]] {
        let out = run(&server, dir.path(), "alice", args).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(r#""kind":"usage""#), "{}", out.stderr);
    }

    // The server goes away: the cache answers, at once (not after --timeout).
    let addr = server.addr();
    server.shutdown().await;
    let offline = |timeout: &str, args: &[&str]| {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_tern-cli"));
        c.args([
            "--server",
            &format!("ws://{addr}"),
            "--timeout",
            timeout,
            "--data-dir",
        ])
        .arg(data_dir(dir.path(), "alice"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
        c
    };
    let started = std::time::Instant::now();
    for args in [
        &["whoami"][..],
        &["conversations"][..],
        &["history", "bob"][..],
        &["group", "list"][..],
    ] {
        let out = tokio::time::timeout(WAIT, offline("20", args).output())
            .await
            .unwrap()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if args[0] != "whoami" && args[0] != "group" {
            assert!(stdout.contains("hello 你好"), "{args:?}: {stdout}");
        }
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "waited for the timeout: {:?}",
        started.elapsed()
    );
    // A command that needs the server still fails as offline.
    let out = tokio::time::timeout(
        WAIT,
        offline("3", &["send", "bob", "are you there?"]).output(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
}
