//! [`Social`] on SQLite.

use async_trait::async_trait;
use tern_proto::{Friend, FriendApplication, UserId, VersionedChange};

use super::{blacklist, changelog, relations, SqliteStorage};
use crate::storage::api::Social;
use crate::storage::StoreResult;

#[async_trait]
impl Social for SqliteStorage {
    async fn apply_friend(
        &self,
        from: &UserId,
        to: &UserId,
        greeting: &str,
        now: i64,
    ) -> StoreResult<()> {
        let (from, to, greeting) = (from.clone(), to.clone(), greeting.to_owned());
        self.change(move |c, out| relations::apply_friend(c, &from, &to, &greeting, now, out))
            .await
    }

    async fn precheck_apply(&self, from: &UserId, to: &UserId) -> StoreResult<()> {
        let (from, to) = (from.clone(), to.clone());
        self.read(move |c| relations::check_application(c, &from, &to))
            .await
    }

    async fn applications(
        &self,
        user: &UserId,
        received: bool,
    ) -> StoreResult<Vec<FriendApplication>> {
        let user = user.clone();
        self.read(move |c| relations::applications(c, &user, received))
            .await
    }

    async fn answer_application(
        &self,
        me: &UserId,
        from: &UserId,
        accept: bool,
        now: i64,
    ) -> StoreResult<()> {
        let (me, from) = (me.clone(), from.clone());
        self.change(move |c, out| relations::answer_application(c, &me, &from, accept, now, out))
            .await
    }

    async fn delete_friend(&self, me: &UserId, user: &UserId) -> StoreResult<()> {
        let (me, user) = (me.clone(), user.clone());
        self.change(move |c, out| relations::delete_friend(c, &me, &user, out))
            .await
    }

    async fn set_remark(&self, me: &UserId, user: &UserId, remark: &str) -> StoreResult<()> {
        let (me, user, remark) = (me.clone(), user.clone(), remark.to_owned());
        self.change(move |c, out| relations::set_remark(c, &me, &user, &remark, out))
            .await
    }

    async fn friends(&self, me: &UserId, only: Option<&[UserId]>) -> StoreResult<Vec<Friend>> {
        let (me, only) = (me.clone(), only.map(<[UserId]>::to_vec));
        self.read(move |c| relations::friends(c, &me, only.as_deref()))
            .await
    }

    async fn friends_among(&self, me: &UserId, users: &[UserId]) -> StoreResult<Vec<UserId>> {
        let (me, users) = (me.clone(), users.to_vec());
        self.read(move |c| {
            let mut out = Vec::new();
            for u in users {
                if !out.contains(&u) && relations::is_friend(c, &me, &u)? {
                    out.push(u);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn search_friends(&self, me: &UserId, query: &str) -> StoreResult<Vec<Friend>> {
        let (me, query) = (me.clone(), query.to_owned());
        self.read(move |c| relations::search_friends(c, &me, &query))
            .await
    }

    async fn presence_visible(&self, me: &UserId, users: &[UserId]) -> StoreResult<Vec<UserId>> {
        let (me, users) = (me.clone(), users.to_vec());
        self.read(move |c| {
            let mut out = Vec::new();
            for u in users {
                if !out.contains(&u) && relations::sees_presence(c, &me, &u)? {
                    out.push(u);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn is_blocked(&self, owner: &UserId, other: &UserId) -> StoreResult<bool> {
        let (owner, other) = (owner.clone(), other.clone());
        self.read(move |c| blacklist::is_blocked(c, &owner, &other))
            .await
    }

    async fn block(&self, me: &UserId, user: &UserId, now: i64) -> StoreResult<()> {
        let (me, user) = (me.clone(), user.clone());
        self.change(move |c, out| blacklist::block(c, &me, &user, now, out))
            .await
    }

    async fn unblock(&self, me: &UserId, user: &UserId) -> StoreResult<()> {
        let (me, user) = (me.clone(), user.clone());
        self.change(move |c, out| {
            blacklist::unblock(c, &me, &user, out)?;
            relations::announce_pending(c, &user, &me, out)
        })
        .await
    }

    async fn blocked(&self, me: &UserId) -> StoreResult<Vec<UserId>> {
        let me = me.clone();
        self.read(move |c| blacklist::blocked(c, &me)).await
    }

    async fn changes_since(
        &self,
        user: &UserId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(Vec<VersionedChange>, u64)> {
        let user = user.clone();
        self.read(move |c| changelog::changes_since(c, &user, since, limit))
            .await
    }
}
