//! Smoke test of the benchmark tool: a few scenarios at tiny sizes must produce
//! their rows. Only the presence of figures is checked, never their values.

use std::process::Command;

#[test]
fn quick_run_produces_figures() {
    let out = Command::new(env!("CARGO_BIN_EXE_tern-bench"))
        .args(["s1", "s3", "s5", "c2", "--quick", "--no-build"])
        .output()
        .expect("run tern-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    for needle in [
        "| S1 | relay latency p50",
        "| S1 | relay latency p50 vs the durable relay",
        "| S3 |",
        "| S5 | connections/s",
        "| C2 | history sync",
    ] {
        assert!(
            stdout.contains(needle),
            "missing {needle:?} in:\n{stdout}\n{stderr}"
        );
    }
    assert!(!stdout.contains("scenario failed"), "{stdout}\n{stderr}");
}

/// S2 sweeps the durable relay and tern-server with the same load and prints both.
#[test]
fn s2_compares_with_the_durable_relay_and_the_bare_insert() {
    let out = Command::new(env!("CARGO_BIN_EXE_tern-bench"))
        .args(["s2", "--quick", "--no-build"])
        .output()
        .expect("run tern-bench");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    for needle in [
        "most acked at any latency (saturation) vs the durable relay",
        "saturation vs the bare batched SQLite insert",
        "S2 durable relay 4 clients: offered",
        "tern-server's SQLite storage alone, no network",
    ] {
        assert!(
            stdout.contains(needle) || stderr.contains(needle),
            "missing {needle:?} in:\n{stdout}\n{stderr}"
        );
    }
    assert!(!stdout.contains("scenario failed"), "{stdout}\n{stderr}");
}

/// `--database` and `--repeat`: S1 runs once per round on the database, rows
/// labelled with it. On PostgreSQL when `TERN_TEST_DATABASE` names a cluster
/// (`scripts/test-postgres.sh -p tern-bench`), else on SQLite.
#[test]
fn database_and_repeat_label_the_rows() {
    let (db, name) = match std::env::var("TERN_TEST_DATABASE") {
        Ok(url) if !url.is_empty() => (url, "PostgreSQL"),
        _ => ("sqlite".to_string(), "SQLite"),
    };
    let out = Command::new(env!("CARGO_BIN_EXE_tern-bench"))
        .args(["s1", "--quick", "--no-build", "--repeat", "2", "--database"])
        .arg(&db)
        .output()
        .expect("run tern-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for round in [1, 2] {
        let needle = format!("| S1 {name} #{round} | relay latency p50");
        assert!(
            stdout.contains(&needle),
            "missing {needle:?} in:\n{stdout}\n{stderr}"
        );
    }
    assert!(!stdout.contains("scenario failed"), "{stdout}\n{stderr}");
    assert!(!stderr.contains("warning: dropping database"), "{stderr}");
}
