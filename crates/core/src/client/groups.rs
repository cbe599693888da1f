//! Group calls: create, info, update, members, invite, join and applications, leave,
//! kick, dismiss, roles, ownership and mutes.
//!
//! Every change goes to the server and then the change log it caused is applied
//! before the call returns, so the cache ([`Client::groups`], the conversation list)
//! and the `group_*` events already reflect it. Group messages use the ordinary
//! message calls with [`Client::group_conversation`].

use tern_proto::{
    cmd, reply, ConversationId, GroupApplication, GroupId, GroupInfo, GroupMember, GroupRole,
    JoinPolicy, Millis, UserId,
};

use super::Client;
use crate::error::{Error, Result};
use crate::store::{groups, notices};
use crate::types::{GroupUpdate, MemberNotice};

impl Client {
    /// The conversation of a group (`g:<id>`), for `send_text`, `messages`, `mark_read`...
    pub fn group_conversation(&self, group: &GroupId) -> ConversationId {
        ConversationId::Group(group.clone())
    }

    /// Creates a group owned by me with `members` (besides me) in it; `join_policy`
    /// defaults to approval. Returns it as created.
    pub async fn create_group(
        &self,
        name: &str,
        members: &[UserId],
        join_policy: Option<JoinPolicy>,
    ) -> Result<GroupInfo> {
        Ok(self
            .change(cmd::CreateGroup {
                name: name.to_string(),
                members: members.to_vec(),
                join_policy,
            })
            .await?
            .group)
    }

    /// The groups I am in, by group id (cache, kept current by the change log).
    pub async fn groups(&self) -> Result<Vec<GroupInfo>> {
        self.read(|c, _| groups::groups(c)).await
    }

    /// One of my groups from the cache (`None` when I am not in it).
    pub async fn group(&self, group: &GroupId) -> Result<Option<GroupInfo>> {
        let g = group.clone();
        self.read(move |c, _| groups::group(c, &g)).await
    }

    /// A group's info from the server (also for groups I am not in, e.g. before joining).
    pub async fn fetch_group_info(&self, group: &GroupId) -> Result<GroupInfo> {
        Ok(self
            .shared()?
            .call(cmd::GetGroupInfo {
                group: group.clone(),
            })
            .await?
            .group)
    }

    /// Changes a group's name, avatar, notice, join policy or history visibility
    /// (owner or admin).
    pub async fn update_group(&self, group: &GroupId, update: GroupUpdate) -> Result<GroupInfo> {
        Ok(self
            .change(cmd::UpdateGroup {
                group: group.clone(),
                name: update.name,
                avatar: update.avatar,
                notice: update.notice,
                join_policy: update.join_policy,
                history_visible: update.history_visible,
                read_by: None,
            })
            .await?
            .group)
    }

    /// Turns on or off whether a message's sender and the group's managers may
    /// see who read it ([`Client::read_by`]); owner or admin only.
    pub async fn set_group_read_by(&self, group: &GroupId, on: bool) -> Result<GroupInfo> {
        Ok(self
            .change(cmd::UpdateGroup {
                group: group.clone(),
                name: None,
                avatar: None,
                notice: None,
                join_policy: None,
                history_visible: None,
                read_by: Some(on),
            })
            .await?
            .group)
    }

    /// A group's members (owner, then admins, then by join time), from the server and
    /// kept in the cache; from the cache when offline.
    pub async fn group_members(&self, group: &GroupId) -> Result<Vec<GroupMember>> {
        let sh = self.shared()?;
        let answer = sh
            .call(cmd::GetGroupMembers {
                group: group.clone(),
            })
            .await;
        match answer {
            Ok(reply::GroupMembers { members }) => {
                let (g, list) = (group.clone(), members.clone());
                sh.db
                    .call(move |c| groups::replace_members(c, &g, &list))
                    .await?;
                Ok(members)
            }
            Err(Error::Offline(_) | Error::Timeout) => {
                let g = group.clone();
                self.read(move |c, _| groups::members(c, &g)).await
            }
            Err(e) => Err(e),
        }
    }

    /// A group's members as cached (no network): those a full fetch
    /// ([`Client::group_members`]) returned, kept current by the change log since,
    /// plus the members change entries named. Empty when I am not in the group.
    pub async fn cached_group_members(&self, group: &GroupId) -> Result<Vec<GroupMember>> {
        let g = group.clone();
        self.read(move |c, _| groups::members(c, &g)).await
    }

    /// The membership lines of a group chat's timeline ("Bob left", "Alice added
    /// Dave") this device recorded, from the cache (no network): the newest `limit`
    /// (at most 1,000) at or after `since` (all when `None`), oldest first. Each is
    /// recorded when this device applies the change, live or replayed after being
    /// offline, and kept across restarts; a device's first sync records none.
    pub async fn member_notices(
        &self,
        conv: &ConversationId,
        since: Option<Millis>,
        limit: u32,
    ) -> Result<Vec<MemberNotice>> {
        let conv = conv.clone();
        self.read(move |c, _| notices::list(c, &conv, since, limit))
            .await
    }

    /// Adds users to a group I am in (any member may invite; members are skipped).
    pub async fn invite_members(&self, group: &GroupId, users: &[UserId]) -> Result<()> {
        self.change(cmd::InviteMembers {
            group: group.clone(),
            users: users.to_vec(),
        })
        .await
        .map(drop)
    }

    /// Joins a group: at once when it is open (true), else files an application with
    /// `message` for its owner and admins (false).
    pub async fn join_group(&self, group: &GroupId, message: &str) -> Result<bool> {
        Ok(self
            .change(cmd::JoinGroup {
                group: group.clone(),
                message: message.to_string(),
            })
            .await?
            .joined)
    }

    /// Applications to join a group, newest first (owner or admin; from the server).
    pub async fn group_applications(&self, group: &GroupId) -> Result<Vec<GroupApplication>> {
        Ok(self
            .shared()?
            .call(cmd::ListGroupApplications {
                group: group.clone(),
            })
            .await?
            .applications)
    }

    /// Accepts `user`'s pending application (owner or admin).
    pub async fn accept_group_application(&self, group: &GroupId, user: &UserId) -> Result<()> {
        self.change(cmd::AcceptGroupApplication {
            group: group.clone(),
            user: user.clone(),
        })
        .await
        .map(drop)
    }

    /// Refuses `user`'s pending application (owner or admin).
    pub async fn refuse_group_application(&self, group: &GroupId, user: &UserId) -> Result<()> {
        self.change(cmd::RefuseGroupApplication {
            group: group.clone(),
            user: user.clone(),
        })
        .await
        .map(drop)
    }

    /// Leaves a group (the owner transfers or dismisses instead). The group and its
    /// conversation leave the cache's lists; its messages stay cached.
    pub async fn leave_group(&self, group: &GroupId) -> Result<()> {
        self.change(cmd::LeaveGroup {
            group: group.clone(),
        })
        .await
        .map(drop)
    }

    /// Removes a member (owner, or admin for plain members).
    pub async fn kick_member(&self, group: &GroupId, user: &UserId) -> Result<()> {
        self.change(cmd::KickMember {
            group: group.clone(),
            user: user.clone(),
        })
        .await
        .map(drop)
    }

    /// Dismisses the group for everyone (owner only).
    pub async fn dismiss_group(&self, group: &GroupId) -> Result<()> {
        self.change(cmd::DismissGroup {
            group: group.clone(),
        })
        .await
        .map(drop)
    }

    /// Makes a member an admin or a plain member again (owner only).
    pub async fn set_member_role(
        &self,
        group: &GroupId,
        user: &UserId,
        role: GroupRole,
    ) -> Result<()> {
        self.change(cmd::SetMemberRole {
            group: group.clone(),
            user: user.clone(),
            role,
        })
        .await
        .map(drop)
    }

    /// Makes another member the owner; I become an admin (owner only).
    pub async fn transfer_group(&self, group: &GroupId, to: &UserId) -> Result<()> {
        self.change(cmd::TransferGroup {
            group: group.clone(),
            to: to.clone(),
        })
        .await
        .map(drop)
    }

    /// Mutes a member for `minutes` (0 unmutes; owner, or admin for plain members).
    /// Their sends then fail with `Muted`.
    pub async fn mute_member(&self, group: &GroupId, user: &UserId, minutes: u32) -> Result<()> {
        self.change(cmd::MuteMember {
            group: group.clone(),
            user: user.clone(),
            minutes,
        })
        .await
        .map(drop)
    }

    /// Turns whole-group mute on or off (owner or admin): only they may post while on.
    pub async fn mute_all(&self, group: &GroupId, muted: bool) -> Result<()> {
        self.change(cmd::MuteAll {
            group: group.clone(),
            muted,
        })
        .await
        .map(drop)
    }
}
