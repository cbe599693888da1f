//! [`Operations`] on SQLite.

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use tern_proto::{FileId, KickReason, UserId};

use super::files;
use super::{accounts, admin, changelog, SqliteStorage};
use crate::storage::api::{Operations, Swept, WriterStats};
use crate::storage::FileRow;
use crate::storage::{Delivery, StoreResult};

#[async_trait]
impl Operations for SqliteStorage {
    async fn reserve_system_user(&self, now: i64) -> StoreResult<()> {
        self.store
            .write(move |c| admin::reserve_system_user(c, now))
            .await
    }

    async fn system_user_is_reserved(&self) -> StoreResult<bool> {
        self.read(accounts::system_user_is_reserved).await
    }

    async fn delete_user(&self, user: &UserId, now: i64) -> StoreResult<usize> {
        let (u, sink, kicked) = (user.clone(), self.sink.clone(), user.clone());
        let (live, _) = self
            .store
            .write_then(
                move |c| {
                    let mut out = Vec::new();
                    let live = admin::delete_user(c, &u, now, &mut out)?;
                    Ok((live, out))
                },
                move |(_, out): &(Vec<String>, Vec<Delivery>)| {
                    sink.kick_user(&kicked, None, KickReason::AccountDeleted);
                    sink.deliver(out);
                },
            )
            .await?;
        Ok(live.len())
    }

    async fn session_devices(&self, ids: &[String]) -> StoreResult<Vec<(String, String)>> {
        let ids = ids.to_vec();
        self.read(move |c| admin::session_devices(c, &ids)).await
    }

    async fn insert_file(&self, row: &FileRow) -> StoreResult<()> {
        let row = row.clone();
        self.store.write(move |c| files::insert(c, &row)).await
    }

    async fn readable_file(&self, id: &FileId, user: &UserId) -> StoreResult<Option<FileRow>> {
        let (id, user) = (id.clone(), user.clone());
        self.read(move |c| files::readable(c, &id, &user)).await
    }

    async fn bytes_of(&self, user: &UserId) -> StoreResult<u64> {
        let user = user.clone();
        self.read(move |c| files::bytes_of(c, &user)).await
    }

    async fn housekeeping(&self, upload_cutoff: i64, now: i64, keep: u64) -> StoreResult<Swept> {
        self.store
            .write(move |c| {
                Ok(Swept {
                    orphan_blobs: files::collect_garbage(c, upload_cutoff)?,
                    sessions: accounts::prune_sessions(c, now)?,
                    changes: match keep {
                        0 => 0,
                        keep => changelog::compact(c, keep)?,
                    },
                })
            })
            .await
    }

    fn stats(&self) -> WriterStats {
        let s = self.store.stats();
        WriterStats {
            batches: s.batches.load(Ordering::Relaxed),
            writes: s.jobs.load(Ordering::Relaxed),
        }
    }
}
