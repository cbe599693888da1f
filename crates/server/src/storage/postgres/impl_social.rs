//! [`Social`] on PostgreSQL.

use async_trait::async_trait;
use tern_proto::{Friend, FriendApplication, UserId, VersionedChange};

use super::{blacklist, change, changelog, read, relations, PgStorage};
use crate::storage::api::Social;
use crate::storage::StoreResult;

#[async_trait]
impl Social for PgStorage {
    async fn apply_friend(
        &self,
        from: &UserId,
        to: &UserId,
        greeting: &str,
        now: i64,
    ) -> StoreResult<()> {
        change!(self, from.as_str(), |tx, out| relations::apply_friend(
            &tx, from, to, greeting, now, &mut out
        )
        .await)
    }

    async fn precheck_apply(&self, from: &UserId, to: &UserId) -> StoreResult<()> {
        read!(self, |tx| relations::check_application(&tx, from, to).await)
    }

    async fn applications(
        &self,
        user: &UserId,
        received: bool,
    ) -> StoreResult<Vec<FriendApplication>> {
        read!(self, |tx| relations::applications(&tx, user, received)
            .await)
    }

    async fn answer_application(
        &self,
        me: &UserId,
        from: &UserId,
        accept: bool,
        now: i64,
    ) -> StoreResult<()> {
        change!(self, me.as_str(), |tx, out| relations::answer_application(
            &tx, me, from, accept, now, &mut out
        )
        .await)
    }

    async fn delete_friend(&self, me: &UserId, user: &UserId) -> StoreResult<()> {
        change!(self, me.as_str(), |tx, out| relations::delete_friend(
            &tx, me, user, &mut out
        )
        .await)
    }

    async fn set_remark(&self, me: &UserId, user: &UserId, remark: &str) -> StoreResult<()> {
        change!(self, me.as_str(), |tx, out| relations::set_remark(
            &tx, me, user, remark, &mut out
        )
        .await)
    }

    async fn friends(&self, me: &UserId, only: Option<&[UserId]>) -> StoreResult<Vec<Friend>> {
        read!(self, |tx| relations::friends(&tx, me, only).await)
    }

    async fn friends_among(&self, me: &UserId, users: &[UserId]) -> StoreResult<Vec<UserId>> {
        read!(self, |tx| {
            let mut out: Vec<UserId> = Vec::new();
            let mut failed = None;
            for u in users {
                if out.contains(u) {
                    continue;
                }
                match relations::is_friend(&tx, me, u).await {
                    Ok(true) => out.push(u.clone()),
                    Ok(false) => {}
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            match failed {
                Some(e) => Err(e),
                None => Ok(out),
            }
        })
    }

    async fn search_friends(&self, me: &UserId, query: &str) -> StoreResult<Vec<Friend>> {
        read!(self, |tx| relations::search_friends(&tx, me, query).await)
    }

    async fn presence_visible(&self, me: &UserId, users: &[UserId]) -> StoreResult<Vec<UserId>> {
        read!(self, |tx| {
            let mut out: Vec<UserId> = Vec::new();
            let mut failed = None;
            for u in users {
                if out.contains(u) {
                    continue;
                }
                match relations::sees_presence(&tx, me, u).await {
                    Ok(true) => out.push(u.clone()),
                    Ok(false) => {}
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            match failed {
                Some(e) => Err(e),
                None => Ok(out),
            }
        })
    }

    async fn is_blocked(&self, owner: &UserId, other: &UserId) -> StoreResult<bool> {
        read!(self, |tx| blacklist::is_blocked(&tx, owner, other).await)
    }

    async fn block(&self, me: &UserId, user: &UserId, now: i64) -> StoreResult<()> {
        change!(self, me.as_str(), |tx, out| blacklist::block(
            &tx, me, user, now, &mut out
        )
        .await)
    }

    async fn unblock(&self, me: &UserId, user: &UserId) -> StoreResult<()> {
        change!(self, me.as_str(), |tx, out| {
            blacklist::unblock(&tx, me, user, &mut out).await?;
            relations::announce_pending(&tx, user, me, &mut out).await
        })
    }

    async fn blocked(&self, me: &UserId) -> StoreResult<Vec<UserId>> {
        read!(self, |tx| blacklist::blocked(&tx, me).await)
    }

    async fn changes_since(
        &self,
        user: &UserId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(Vec<VersionedChange>, u64)> {
        read!(self, |tx| changelog::changes_since(&tx, user, since, limit)
            .await)
    }
}
