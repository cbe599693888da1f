//! tern-cli's data dir, its saved session and the account cache inside are
//! readable by the owner only (issue 16).

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_dir_session_and_cache_are_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    signup(&server, dir.path(), "alice").await;
    let data = data_dir(dir.path(), "alice");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("cli-session.json")), 0o600);
    let accounts: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    assert_eq!(mode(&accounts[0]), 0o700);
    assert_eq!(mode(&accounts[0].join("tern.db")), 0o600);
}
