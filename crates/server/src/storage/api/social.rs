//! Friends, applications, the blacklist and the per-user change log.

use async_trait::async_trait;
use tern_proto::{Friend, FriendApplication, UserId, VersionedChange};

use crate::storage::StoreResult;

/// Friends, applications, the blacklist and the per-user change log.
#[async_trait]
pub trait Social: Send + Sync {
    /// `from` asks `to` to be friends (refused with `Blocked` if `to` blocked
    /// `from`); `to`'s devices get the application.
    async fn apply_friend(
        &self,
        from: &UserId,
        to: &UserId,
        greeting: &str,
        now: i64,
    ) -> StoreResult<()>;
    /// Asked before the `friend.apply` before-hook: `Ok` when `from` may ask
    /// `to` now, else the refusal `apply_friend` would give (`SelfTarget`,
    /// `SystemAccount`, `NotFound`, `Blocked`, `AlreadyFriends`). A read:
    /// `apply_friend` checks again.
    async fn precheck_apply(&self, from: &UserId, to: &UserId) -> StoreResult<()>;
    /// Applications I received (`received`) or sent.
    async fn applications(
        &self,
        user: &UserId,
        received: bool,
    ) -> StoreResult<Vec<FriendApplication>>;
    /// Accepts or refuses `from`'s application to `me`.
    async fn answer_application(
        &self,
        me: &UserId,
        from: &UserId,
        accept: bool,
        now: i64,
    ) -> StoreResult<()>;
    /// Removes `user` from my friends (one-way).
    async fn delete_friend(&self, me: &UserId, user: &UserId) -> StoreResult<()>;
    /// Sets my remark for a friend.
    async fn set_remark(&self, me: &UserId, user: &UserId, remark: &str) -> StoreResult<()>;
    /// My friends by id, or only those of `only`.
    async fn friends(&self, me: &UserId, only: Option<&[UserId]>) -> StoreResult<Vec<Friend>>;
    /// Those of `users` that are my friends, each once, in order.
    async fn friends_among(&self, me: &UserId, users: &[UserId]) -> StoreResult<Vec<UserId>>;
    /// My friends whose id, nickname or remark contains `query`.
    async fn search_friends(&self, me: &UserId, query: &str) -> StoreResult<Vec<Friend>>;
    /// Those of `users` whose presence I may see (mutual, unblocked friends),
    /// each once, in order.
    async fn presence_visible(&self, me: &UserId, users: &[UserId]) -> StoreResult<Vec<UserId>>;
    /// Whether `owner` has blocked `other`.
    async fn is_blocked(&self, owner: &UserId, other: &UserId) -> StoreResult<bool>;
    /// Blocks `user` (idempotent); my devices get `black_added`.
    async fn block(&self, me: &UserId, user: &UserId, now: i64) -> StoreResult<()>;
    /// Unblocks `user`; `NotFound` when not blocked.
    async fn unblock(&self, me: &UserId, user: &UserId) -> StoreResult<()>;
    /// The users I blocked, by id.
    async fn blocked(&self, me: &UserId) -> StoreResult<Vec<UserId>>;
    /// Change-log entries after `since`, at most `limit`, and the latest version.
    async fn changes_since(
        &self,
        user: &UserId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(Vec<VersionedChange>, u64)>;
}
