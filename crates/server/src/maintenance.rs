//! Periodic housekeeping, so that storage does not grow without bound:
//! uploads nothing references after `security.unreferenced_upload_ttl` are
//! deleted (rows, then blobs no upload uses), expired sessions are pruned and
//! each user's change log is cut to its newest `security.changelog_keep` entries.
//! Runs every [`INTERVAL`] and once at start; tests call [`run_once`].

use std::sync::Arc;
use std::time::Duration;

use crate::state::Shared;
use crate::storage::{now_ms, StoreResult};

/// How often housekeeping runs.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Blob files deleted from disk.
    pub blobs: usize,
    /// Expired session rows deleted.
    pub sessions: usize,
    /// Change-log entries compacted away.
    pub changes: usize,
}

/// One housekeeping pass.
pub async fn run_once(shared: &Shared) -> StoreResult<Swept> {
    let now = now_ms();
    let ttl = shared.config.security.unreferenced_upload_ttl.as_millis() as i64;
    let cutoff = now.saturating_sub(ttl);
    let keep = shared.config.security.changelog_keep;
    // No upload between finding its blob in place and recording its row.
    let _blobs = shared.blob_gc.write().await;
    let swept = shared.store.housekeeping(cutoff, now, keep).await?;
    let (orphans, sessions, changes) = (swept.orphan_blobs, swept.sessions, swept.changes);
    let mut blobs = 0;
    for sha in orphans {
        let path = crate::files::blobs::blob_path(&shared.config.files_root(), &sha);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => blobs += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "removing a blob failed"),
        }
    }
    if blobs > 0 || sessions > 0 || changes > 0 {
        tracing::info!(
            blobs,
            sessions,
            changes,
            "housekeeping removed unreferenced uploads, expired sessions and old change-log entries"
        );
    }
    Ok(Swept {
        blobs,
        sessions,
        changes,
    })
}

/// Runs [`run_once`] now and every [`INTERVAL`] until the server shuts down.
pub fn spawn(shared: Arc<Shared>) {
    let mut stop = shared.shutdown.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(INTERVAL);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => return,
            }
            if let Err(e) = run_once(&shared).await {
                tracing::warn!(error = %e, "housekeeping failed");
            }
        }
    });
}
