//! What the admin API needs about users beyond the account itself: bans and
//! the paged user list.

use async_trait::async_trait;
use serde::Serialize;
use tern_proto::UserId;

use crate::storage::StoreResult;

/// Why and since when a user is banned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ban {
    /// The operator's reason, shown to the user when a login is refused.
    pub reason: String,
    /// When (ms since the epoch).
    pub banned_at: i64,
}

/// One user of the admin list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    /// The id.
    pub user: UserId,
    /// The display name.
    pub nickname: String,
    /// When the account was created (ms).
    pub created_at: i64,
    /// The ban, when banned.
    pub ban: Option<Ban>,
}

/// Bans and the user list.
#[async_trait]
pub trait UserAdmin: Send + Sync {
    /// Bans `user` (or changes the reason of a ban); `NotFound` for an unknown user.
    async fn ban_user(&self, user: &UserId, reason: &str, now: i64) -> StoreResult<()>;
    /// Lifts `user`'s ban; false when there was none; `NotFound` for an unknown user.
    async fn unban_user(&self, user: &UserId) -> StoreResult<bool>;
    /// `user`'s ban, if any.
    async fn ban_of(&self, user: &UserId) -> StoreResult<Option<Ban>>;
    /// Users (not `system`) ordered by id, after `after`, whose id or
    /// nickname contains `query` (ASCII case-insensitive), at most `limit`.
    async fn list_users(
        &self,
        query: Option<&str>,
        after: Option<&UserId>,
        limit: u32,
    ) -> StoreResult<Vec<UserRow>>;
}
