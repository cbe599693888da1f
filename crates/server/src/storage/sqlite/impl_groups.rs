//! [`Groups`] on SQLite.

use async_trait::async_trait;
use tern_proto::{
    GroupApplication, GroupId, GroupInfo, GroupMember, GroupRole, JoinPolicy, UserId,
};

use super::blacklist;
use super::groups::{self, Admission, NewGroup};
use super::SqliteStorage;
use crate::storage::api::Groups;
use crate::storage::StoreResult;
use crate::storage::{GroupUpdate, InviteRules};

#[async_trait]
impl Groups for SqliteStorage {
    async fn create_group(
        &self,
        owner: &UserId,
        name: &str,
        members: &[UserId],
        join_policy: JoinPolicy,
        rules: InviteRules,
        now: i64,
    ) -> StoreResult<GroupInfo> {
        let (owner, name, members) = (owner.clone(), name.to_owned(), members.to_vec());
        self.change(move |c, out| {
            let n = NewGroup {
                owner: &owner,
                name: &name,
                members: &members,
                join_policy,
                max_members: rules.max_members,
                require_friendship: rules.require_friendship,
                now,
            };
            groups::create(c, &n, out)
        })
        .await
    }

    async fn groups_of(&self, user: &UserId) -> StoreResult<Vec<GroupInfo>> {
        let user = user.clone();
        self.read(move |c| groups::groups_of(c, &user)).await
    }

    async fn group_info(&self, group: &GroupId) -> StoreResult<GroupInfo> {
        let group = group.clone();
        self.read(move |c| groups::info(c, &group)).await
    }

    async fn update_group(
        &self,
        me: &UserId,
        group: &GroupId,
        update: GroupUpdate,
    ) -> StoreResult<GroupInfo> {
        let (me, group) = (me.clone(), group.clone());
        self.change(move |c, out| groups::update(c, &me, &group, &update, out))
            .await
    }

    async fn group_members(&self, me: &UserId, group: &GroupId) -> StoreResult<Vec<GroupMember>> {
        let (me, group) = (me.clone(), group.clone());
        self.read(move |c| {
            groups::require_member(c, &group, &me)?;
            groups::members(c, &group)
        })
        .await
    }

    async fn invite(
        &self,
        me: &UserId,
        group: &GroupId,
        users: &[UserId],
        rules: InviteRules,
        now: i64,
    ) -> StoreResult<Vec<UserId>> {
        let (me, group, users) = (me.clone(), group.clone(), users.to_vec());
        self.change(move |c, out| groups::invite(c, &me, &group, &users, rules, now, out))
            .await
    }

    async fn join(
        &self,
        me: &UserId,
        group: &GroupId,
        message: &str,
        max_members: u32,
        now: i64,
    ) -> StoreResult<bool> {
        let (me, group, message) = (me.clone(), group.clone(), message.to_owned());
        self.change(move |c, out| groups::join(c, &me, &group, &message, max_members, now, out))
            .await
    }

    async fn group_applications(
        &self,
        me: &UserId,
        group: &GroupId,
    ) -> StoreResult<Vec<GroupApplication>> {
        let (me, group) = (me.clone(), group.clone());
        self.read(move |c| {
            groups::require_manager(c, &group, &me)?;
            let mut all = groups::applications(c, &group)?;
            // Not from users I blocked (their words do not reach me).
            let blocked = blacklist::blocked(c, &me)?;
            all.retain(|a| !blocked.contains(&a.user));
            Ok(all)
        })
        .await
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
        let (me, group, user) = (me.clone(), group.clone(), user.clone());
        let admission = Admission { max_members, now };
        self.change(move |c, out| {
            groups::answer_application(c, &me, &group, &user, accept, admission, out)
        })
        .await
    }

    async fn leave(&self, me: &UserId, group: &GroupId) -> StoreResult<()> {
        let (me, group) = (me.clone(), group.clone());
        self.change(move |c, out| groups::leave(c, &me, &group, out))
            .await
    }

    async fn kick(&self, me: &UserId, group: &GroupId, user: &UserId) -> StoreResult<()> {
        let (me, group, user) = (me.clone(), group.clone(), user.clone());
        self.change(move |c, out| groups::kick(c, &me, &group, &user, out))
            .await
    }

    async fn dismiss(&self, me: &UserId, group: &GroupId, now: i64) -> StoreResult<()> {
        let (me, group) = (me.clone(), group.clone());
        self.change(move |c, out| groups::dismiss(c, &me, &group, now, out))
            .await
    }

    async fn set_role(
        &self,
        me: &UserId,
        group: &GroupId,
        user: &UserId,
        role: GroupRole,
    ) -> StoreResult<()> {
        let (me, group, user) = (me.clone(), group.clone(), user.clone());
        self.change(move |c, out| groups::set_role(c, &me, &group, &user, role, out))
            .await
    }

    async fn transfer(&self, me: &UserId, group: &GroupId, to: &UserId) -> StoreResult<()> {
        let (me, group, to) = (me.clone(), group.clone(), to.clone());
        self.change(move |c, out| groups::transfer(c, &me, &group, &to, out))
            .await
    }

    async fn mute_member(
        &self,
        me: &UserId,
        group: &GroupId,
        user: &UserId,
        minutes: u32,
        now: i64,
    ) -> StoreResult<()> {
        let (me, group, user) = (me.clone(), group.clone(), user.clone());
        self.change(move |c, out| groups::mute_member(c, &me, &group, &user, minutes, now, out))
            .await
    }

    async fn mute_all(&self, me: &UserId, group: &GroupId, muted: bool) -> StoreResult<()> {
        let (me, group) = (me.clone(), group.clone());
        self.change(move |c, out| groups::mute_all(c, &me, &group, muted, out))
            .await
    }
}
