//! [`Operations`] on PostgreSQL.

use async_trait::async_trait;
use tern_proto::{FileId, KickReason, UserId};

use super::{accounts, admin, changelog, files, read, tx, PgStorage, LONG_ATTEMPT_TIMEOUT};
use crate::storage::api::{Operations, Swept, WriterStats};
use crate::storage::{FileRow, StoreResult};

#[async_trait]
impl Operations for PgStorage {
    async fn reserve_system_user(&self, now: i64) -> StoreResult<()> {
        tx!(self, |tx| admin::reserve_system_user(&tx, now).await)
    }

    async fn system_user_is_reserved(&self) -> StoreResult<bool> {
        read!(self, |tx| accounts::system_user_is_reserved(&tx).await)
    }

    async fn delete_user(&self, user: &UserId, now: i64) -> StoreResult<usize> {
        let _stripe = self.stripe(user.as_str()).await;
        let (live, out) = tx!(@timeout LONG_ATTEMPT_TIMEOUT, self, |tx, out| admin::delete_user(&tx, user, now, &mut out)
            .await)?;
        self.sink.kick_user(user, None, KickReason::AccountDeleted);
        self.sink.deliver(&out);
        Ok(live.len())
    }

    async fn session_devices(&self, ids: &[String]) -> StoreResult<Vec<(String, String)>> {
        read!(self, |tx| admin::session_devices(&tx, ids).await)
    }

    async fn insert_file(&self, row: &FileRow) -> StoreResult<()> {
        tx!(self, |tx| files::insert_file(&tx, row).await)
    }

    async fn readable_file(&self, id: &FileId, user: &UserId) -> StoreResult<Option<FileRow>> {
        read!(self, |tx| files::readable_file(&tx, id, user).await)
    }

    async fn bytes_of(&self, user: &UserId) -> StoreResult<u64> {
        read!(self, |tx| files::bytes_of(&tx, user).await)
    }

    async fn housekeeping(&self, upload_cutoff: i64, now: i64, keep: u64) -> StoreResult<Swept> {
        tx!(@timeout LONG_ATTEMPT_TIMEOUT, self, |tx| {
            let orphan_blobs = match files::collect_garbage(&tx, upload_cutoff).await {
                Ok(o) => o,
                Err(e) => return Err(e),
            };
            let sessions = match accounts::prune_sessions(&tx, now).await {
                Ok(n) => n,
                Err(e) => return Err(e),
            };
            let changes = match keep {
                0 => 0,
                keep => match changelog::compact(&tx, keep).await {
                    Ok(n) => n,
                    Err(e) => return Err(e),
                },
            };
            Ok(Swept {
                orphan_blobs,
                sessions,
                changes,
            })
        })
    }

    fn stats(&self) -> WriterStats {
        let n = self.commits();
        WriterStats {
            batches: n,
            writes: n,
        }
    }
}
