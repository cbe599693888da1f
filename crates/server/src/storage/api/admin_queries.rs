//! Reads only the admin API needs: every group, any message's sender, a
//! conversation's messages by time, one user's messages and files (exports),
//! and the server's totals. None of them is authorised here: the admin API
//! (bearer secret) is the only caller.

use async_trait::async_trait;
use serde::Serialize;
use tern_proto::{ConversationId, GroupId, Message, Seq, UserId};

use crate::storage::StoreResult;

/// Metadata of one uploaded file (exports; the bytes are not included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileMeta {
    /// The file id clients put in messages.
    pub id: String,
    /// Its name as uploaded.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Its MIME type.
    pub mime: String,
    /// sha256 of the bytes, lower-case hex.
    pub sha256: String,
    /// When it was uploaded (ms since the epoch).
    pub created_at: i64,
}

/// Totals of the whole database (server stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Accounts, the reserved `system` account left out.
    pub users: u64,
    /// Groups not dismissed.
    pub groups: u64,
    /// Stored messages (recalled ones included: their tombstones stay).
    pub messages: u64,
}

/// A page of a conversation's messages sent within a time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Sent at or after this time (ms).
    pub from: i64,
    /// Sent at or before this time (ms).
    pub to: i64,
    /// Only seqs above this one (the cursor).
    pub after: Seq,
    /// At most this many.
    pub limit: u32,
}

/// The admin API's reads.
#[async_trait]
pub trait AdminQueries: Send + Sync {
    /// Live groups by id after `after`, whose id or name contains `query`
    /// (ASCII case-insensitive), at most `limit`.
    async fn list_groups(
        &self,
        query: Option<&str>,
        after: Option<&GroupId>,
        limit: u32,
    ) -> StoreResult<Vec<GroupId>>;
    /// The sender of message `seq` of `conv`, `None` when there is none.
    async fn message_sender(&self, conv: &ConversationId, seq: Seq) -> StoreResult<Option<UserId>>;
    /// Messages of `conv` sent within `range`, by seq.
    async fn messages_between(
        &self,
        conv: &ConversationId,
        range: TimeRange,
    ) -> StoreResult<Vec<Message>>;
    /// Messages `user` sent, by id, with ids above `after`, at most `limit`.
    async fn messages_of(&self, user: &UserId, after: u64, limit: u32)
        -> StoreResult<Vec<Message>>;
    /// Files `user` uploaded, by id, with ids after `after`, at most `limit`.
    async fn files_of(&self, user: &UserId, after: &str, limit: u32) -> StoreResult<Vec<FileMeta>>;
    /// When `user`'s account was created (ms); `None` for no such user.
    async fn user_created_at(&self, user: &UserId) -> StoreResult<Option<i64>>;
    /// The database's totals.
    async fn totals(&self) -> StoreResult<Totals>;
}
