//! What the `tern-server` binary sets up for its own process before serving
//! (src/main.rs), read from the kernel's view of the running process.

use crate::common::ServerProcess;

/// `THP_enabled` of `/proc/<pid>/status`: 0 once the process disabled
/// transparent huge pages (`PR_SET_THP_DISABLE`).
fn thp_enabled(server: &ServerProcess) -> String {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .unwrap_or_else(|| panic!("no THP_enabled line in:\n{status}"))
        .trim()
        .to_string()
}

/// The server runs without transparent huge pages (zeroing fresh 2 MiB pages
/// after every quiet spell cost a history sync ~0.15 s; docs/benchmarks.md),
/// unless the operator asks for them with mimalloc's own variable.
#[test]
fn transparent_huge_pages_are_off_unless_the_operator_allows_them() {
    let db = tempfile::tempdir().unwrap();
    let sqlite = |name: &str| format!("sqlite:{}", db.path().join(name).display());
    let server = ServerProcess::start(&sqlite("a.db"));
    assert_eq!(thp_enabled(&server), "0");
    let allowed = ServerProcess::start_with(&sqlite("b.db"), "", &[("MIMALLOC_ALLOW_THP", "1")]);
    assert_eq!(thp_enabled(&allowed), "1");
}
