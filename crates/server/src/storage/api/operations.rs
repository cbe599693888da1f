//! What the admin API, file transfers and housekeeping need.

use async_trait::async_trait;
use tern_proto::{FileId, UserId};

use crate::storage::FileRow;
use crate::storage::StoreResult;

/// What one housekeeping pass removed from the database.
#[derive(Debug, Default)]
pub struct Swept {
    /// sha256 of blobs no file row uses any more (to delete from disk).
    pub orphan_blobs: Vec<String>,
    /// Expired session rows deleted.
    pub sessions: usize,
    /// Change-log entries compacted away.
    pub changes: usize,
}

/// Write counters for `/health`.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriterStats {
    /// Transactions committed.
    pub batches: u64,
    /// Write jobs committed.
    pub writes: u64,
}

/// Admin operations, files and housekeeping.
#[async_trait]
pub trait Operations: Send + Sync {
    /// Creates the `system` account (no password) unless it exists.
    async fn reserve_system_user(&self, now: i64) -> StoreResult<()>;
    /// Whether `system` is the reserved account (not a user who registered it
    /// before it was reserved).
    async fn system_user_is_reserved(&self) -> StoreResult<bool>;
    /// Deletes a user: sessions revoked and kicked (`account_deleted`), out of
    /// every group, friends told; the id stays taken. Returns the sessions revoked.
    async fn delete_user(&self, user: &UserId, now: i64) -> StoreResult<usize>;
    /// The device of each of the given sessions: (session, device).
    async fn session_devices(&self, ids: &[String]) -> StoreResult<Vec<(String, String)>>;
    /// Records an upload.
    async fn insert_file(&self, row: &FileRow) -> StoreResult<()>;
    /// A file `user` may download: their own upload, or referenced in a
    /// conversation they can read (from where they can see it).
    async fn readable_file(&self, id: &FileId, user: &UserId) -> StoreResult<Option<FileRow>>;
    /// Bytes uploaded by `user` (the quota).
    async fn bytes_of(&self, user: &UserId) -> StoreResult<u64>;
    /// One housekeeping pass: unreferenced uploads older than `upload_cutoff`,
    /// sessions expired at `now`, change-log entries beyond `keep` per user (0 keeps all).
    async fn housekeeping(&self, upload_cutoff: i64, now: i64, keep: u64) -> StoreResult<Swept>;
    /// Write counters.
    fn stats(&self) -> WriterStats;
}
