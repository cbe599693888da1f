//! Groups: lifecycle, membership, applications and moderation. Every write
//! checks who may do it (see [`tern_proto::GroupRole`]) in its transaction and
//! appends the change-log entries of every member it affects.

use async_trait::async_trait;
use tern_proto::{
    GroupApplication, GroupId, GroupInfo, GroupMember, GroupRole, JoinPolicy, UserId,
};

use crate::storage::StoreResult;
use crate::storage::{GroupUpdate, InviteRules};

/// Groups: lifecycle, membership, applications and moderation.
#[async_trait]
pub trait Groups: Send + Sync {
    /// Creates a group owned by `owner` with `members` (blocks and, with
    /// `rules.require_friendship`, friendship checked); every member gets
    /// `group_joined`.
    async fn create_group(
        &self,
        owner: &UserId,
        name: &str,
        members: &[UserId],
        join_policy: JoinPolicy,
        rules: InviteRules,
        now: i64,
    ) -> StoreResult<GroupInfo>;
    /// The live groups `user` is a member of, by id.
    async fn groups_of(&self, user: &UserId) -> StoreResult<Vec<GroupInfo>>;
    /// A live group (`NotFound` otherwise).
    async fn group_info(&self, group: &GroupId) -> StoreResult<GroupInfo>;
    /// Changes a group's info (owner or admin).
    async fn update_group(
        &self,
        me: &UserId,
        group: &GroupId,
        update: GroupUpdate,
    ) -> StoreResult<GroupInfo>;
    /// The members (for members only).
    async fn group_members(&self, me: &UserId, group: &GroupId) -> StoreResult<Vec<GroupMember>>;
    /// `me` adds `users` (see the invite rules of docs/protocol.md §5.8); returns
    /// those who were not members before (each once, in the order given).
    async fn invite(
        &self,
        me: &UserId,
        group: &GroupId,
        users: &[UserId],
        rules: InviteRules,
        now: i64,
    ) -> StoreResult<Vec<UserId>>;
    /// Joins an open group (true) or files an application (false).
    async fn join(
        &self,
        me: &UserId,
        group: &GroupId,
        message: &str,
        max_members: u32,
        now: i64,
    ) -> StoreResult<bool>;
    /// Pending applications (owner or admin).
    async fn group_applications(
        &self,
        me: &UserId,
        group: &GroupId,
    ) -> StoreResult<Vec<GroupApplication>>;
    /// Accepts or refuses `user`'s application (owner or admin).
    async fn answer_group_application(
        &self,
        me: &UserId,
        group: &GroupId,
        user: &UserId,
        accept: bool,
        max_members: u32,
        now: i64,
    ) -> StoreResult<()>;
    /// Leaves a group (not the owner).
    async fn leave(&self, me: &UserId, group: &GroupId) -> StoreResult<()>;
    /// Removes `user` (owner, or an admin removing a plain member).
    async fn kick(&self, me: &UserId, group: &GroupId, user: &UserId) -> StoreResult<()>;
    /// Ends a group (owner).
    async fn dismiss(&self, me: &UserId, group: &GroupId, now: i64) -> StoreResult<()>;
    /// Makes `user` an admin or a plain member (owner).
    async fn set_role(
        &self,
        me: &UserId,
        group: &GroupId,
        user: &UserId,
        role: GroupRole,
    ) -> StoreResult<()>;
    /// Hands the group to `to` (owner).
    async fn transfer(&self, me: &UserId, group: &GroupId, to: &UserId) -> StoreResult<()>;
    /// Mutes `user` for `minutes` (0 unmutes).
    async fn mute_member(
        &self,
        me: &UserId,
        group: &GroupId,
        user: &UserId,
        minutes: u32,
        now: i64,
    ) -> StoreResult<()>;
    /// Mutes or unmutes every plain member (owner or admin).
    async fn mute_all(&self, me: &UserId, group: &GroupId, muted: bool) -> StoreResult<()>;
}
