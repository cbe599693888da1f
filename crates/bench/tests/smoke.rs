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
