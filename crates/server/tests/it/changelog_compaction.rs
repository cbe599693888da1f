//! Storage must not grow without bound: housekeeping cuts each user's change
//! log to its newest `security.changelog_keep` entries; asking for compacted
//! entries answers `SnapshotRequired`, and the latest version stays reachable.

use crate::common;

use common::TestServer;
use tern_proto::{ErrorCode, Request, Response};

async fn changes(c: &mut common::Client, since: u64) -> Result<(usize, u64), ErrorCode> {
    match c.request(Request::SyncChanges { since, limit: None }).await {
        Ok(Response::Changes { changes, latest }) => Ok((changes.len(), latest)),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.code),
    }
}

#[tokio::test]
async fn old_entries_are_compacted_and_asking_for_them_requires_a_snapshot() {
    let server = TestServer::start_with(|c| c.security.changelog_keep = 5).await;
    let mut alice = server.user("alice").await;
    for i in 0..12 {
        alice
            .ok(Request::SetProfile {
                nickname: Some(format!("Alice {i}")),
                avatar: None,
                signature: None,
            })
            .await;
    }
    assert_eq!(changes(&mut alice, 0).await, Ok((12, 12)));
    let swept = server.handle.maintain().await.unwrap();
    assert_eq!(swept.changes, 7, "{swept:?}");
    assert_eq!(
        changes(&mut alice, 0).await,
        Err(ErrorCode::SnapshotRequired)
    );
    assert_eq!(
        changes(&mut alice, 6).await,
        Err(ErrorCode::SnapshotRequired)
    );
    assert_eq!(changes(&mut alice, 7).await, Ok((5, 12)));
    assert_eq!(changes(&mut alice, i64::MAX as u64).await, Ok((0, 12)));
    // A second pass has nothing more to do; new entries are kept.
    assert_eq!(server.handle.maintain().await.unwrap().changes, 0);
}
