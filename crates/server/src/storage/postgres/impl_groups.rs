//! [`Groups`] on PostgreSQL.

use async_trait::async_trait;
use tern_proto::{
    GroupApplication, GroupId, GroupInfo, GroupMember, GroupRole, JoinPolicy, UserId,
};

use super::{blacklist, change, groups, read, PgStorage};
use crate::storage::api::Groups;
use crate::storage::{GroupUpdate, InviteRules, StoreResult};

#[async_trait]
impl Groups for PgStorage {
    async fn create_group(
        &self,
        owner: &UserId,
        name: &str,
        members: &[UserId],
        join_policy: JoinPolicy,
        rules: InviteRules,
        now: i64,
    ) -> StoreResult<GroupInfo> {
        change!(self, owner.as_str(), |tx, out| groups::create(
            &tx,
            owner,
            name,
            members,
            join_policy,
            rules,
            now,
            &mut out
        )
        .await)
    }

    async fn groups_of(&self, user: &UserId) -> StoreResult<Vec<GroupInfo>> {
        read!(self, |tx| groups::groups_of(&tx, user).await)
    }

    async fn group_info(&self, group: &GroupId) -> StoreResult<GroupInfo> {
        read!(self, |tx| groups::info(&tx, group).await)
    }

    async fn update_group(
        &self,
        me: &UserId,
        group: &GroupId,
        update: GroupUpdate,
    ) -> StoreResult<GroupInfo> {
        change!(self, group.as_str(), |tx, out| groups::update(
            &tx, me, group, &update, &mut out
        )
        .await)
    }

    async fn group_members(&self, me: &UserId, group: &GroupId) -> StoreResult<Vec<GroupMember>> {
        read!(
            self,
            |tx| match groups::require_member(&tx, group, me).await {
                Ok(_) => groups::members(&tx, group).await,
                Err(e) => Err(e),
            }
        )
    }

    async fn invite(
        &self,
        me: &UserId,
        group: &GroupId,
        users: &[UserId],
        rules: InviteRules,
        now: i64,
    ) -> StoreResult<Vec<UserId>> {
        change!(self, group.as_str(), |tx, out| groups::invite(
            &tx, me, group, users, rules, now, &mut out
        )
        .await)
    }

    async fn join(
        &self,
        me: &UserId,
        group: &GroupId,
        message: &str,
        max_members: u32,
        now: i64,
    ) -> StoreResult<bool> {
        change!(self, group.as_str(), |tx, out| groups::join(
            &tx,
            me,
            group,
            message,
            max_members,
            now,
            &mut out
        )
        .await)
    }

    async fn group_applications(
        &self,
        me: &UserId,
        group: &GroupId,
    ) -> StoreResult<Vec<GroupApplication>> {
        read!(
            self,
            |tx| match groups::require_manager(&tx, group, me).await {
                Ok(_) => match (
                    groups::applications(&tx, group).await,
                    blacklist::blocked(&tx, me).await,
                ) {
                    // Not from users I blocked (their words do not reach me).
                    (Ok(mut all), Ok(blocked)) => {
                        all.retain(|a| !blocked.contains(&a.user));
                        Ok(all)
                    }
                    (Err(e), _) | (_, Err(e)) => Err(e),
                },
                Err(e) => Err(e),
            }
        )
    }

    async fn answer_group_application(
        &self,
        me: &UserId,
        group: &GroupId,
        user: &UserId,
        accept: bool,
        max_members: u32,
        now: i64,
    ) -> StoreResult<()> {
        change!(self, group.as_str(), |tx, out| groups::answer_application(
            &tx,
            me,
            group,
            user,
            accept,
            max_members,
            now,
            &mut out
        )
        .await)
    }

    async fn leave(&self, me: &UserId, group: &GroupId) -> StoreResult<()> {
        change!(self, group.as_str(), |tx, out| groups::leave(
            &tx, me, group, &mut out
        )
        .await)
    }

    async fn kick(&self, me: &UserId, group: &GroupId, user: &UserId) -> StoreResult<()> {
        change!(self, group.as_str(), |tx, out| groups::kick(
            &tx, me, group, user, &mut out
        )
        .await)
    }

    async fn dismiss(&self, me: &UserId, group: &GroupId, now: i64) -> StoreResult<()> {
        change!(self, group.as_str(), |tx, out| groups::dismiss(
            &tx, me, group, now, &mut out
        )
        .await)
    }

    async fn set_role(
        &self,
        me: &UserId,
        group: &GroupId,
        user: &UserId,
        role: GroupRole,
    ) -> StoreResult<()> {
        change!(self, group.as_str(), |tx, out| groups::set_role(
            &tx, me, group, user, role, &mut out
        )
        .await)
    }

    async fn transfer(&self, me: &UserId, group: &GroupId, to: &UserId) -> StoreResult<()> {
        change!(self, group.as_str(), |tx, out| groups::transfer(
            &tx, me, group, to, &mut out
        )
        .await)
    }

    async fn mute_member(
        &self,
        me: &UserId,
        group: &GroupId,
        user: &UserId,
        minutes: u32,
        now: i64,
    ) -> StoreResult<()> {
        change!(self, group.as_str(), |tx, out| groups::mute_member(
            &tx, me, group, user, minutes, now, &mut out
        )
        .await)
    }

    async fn mute_all(&self, me: &UserId, group: &GroupId, muted: bool) -> StoreResult<()> {
        change!(self, group.as_str(), |tx, out| groups::mute_all(
            &tx, me, group, muted, &mut out
        )
        .await)
    }
}
