//! The per-user change log: every change to a user's relations, groups and settings.

use serde::{Deserialize, Serialize};

use super::{
    Friend, FriendApplication, GroupApplication, GroupInfo, GroupMember, GroupRole, LeaveReason,
    Millis, Profile,
};
use crate::ids::{GroupId, UserId};

/// One entry of a user's change log: every change to their relations, in order.
/// A device that was offline asks for entries after the last version it saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// A friend application to or from me was sent (or re-sent).
    #[allow(missing_docs)] // fields named by what they hold
    FriendApplicationAdded { application: FriendApplication },
    /// A friend application to or from me was accepted.
    #[allow(missing_docs)] // fields named by what they hold
    FriendApplicationAccepted { application: FriendApplication },
    /// A friend application to or from me was refused.
    #[allow(missing_docs)] // fields named by what they hold
    FriendApplicationRefused { application: FriendApplication },
    /// Someone became my friend (or I re-added them).
    #[allow(missing_docs)] // fields named by what they hold
    FriendAdded { friend: Friend },
    /// I removed someone from my friend list.
    FriendDeleted {
        /// Who.
        user: UserId,
    },
    /// A friend's remark or profile changed.
    FriendInfoChanged {
        /// The friend as it is now.
        friend: Friend,
    },
    /// I blocked someone.
    BlackAdded {
        /// Who.
        user: UserId,
    },
    /// I unblocked someone.
    BlackDeleted {
        /// Who.
        user: UserId,
    },
    /// My own profile changed (possibly from another device).
    ProfileChanged {
        /// My profile as it is now.
        profile: Profile,
    },
    /// I became a member of a group (created it, was invited, joined, or my
    /// application was accepted). Members already in it get `group_member_joined`.
    GroupJoined {
        /// The group as it is now.
        group: GroupInfo,
        /// My membership.
        member: GroupMember,
        /// Who added me: the creator (for the members a group is created with),
        /// the inviter, or the admin who accepted my application (the admin API
        /// acts as the owner); `None` when I created the group or joined an open
        /// group myself. Absent from servers before it was added: read as `None`.
        #[serde(default)]
        by: Option<UserId>,
    },
    /// Someone else joined a group I am in.
    #[allow(missing_docs)] // fields named by what they hold
    GroupMemberJoined {
        group: GroupId,
        member: GroupMember,
        /// Who added them (the inviter, or the admin who approved); `None` when
        /// they joined an open group themselves.
        by: Option<UserId>,
    },
    /// A member left or was kicked (sent to the remaining members and to the
    /// one who is gone; for them it is the last entry about this group).
    #[allow(missing_docs)] // fields named by what they hold
    GroupMemberLeft {
        group: GroupId,
        /// Who is gone.
        user: UserId,
        /// Left or kicked.
        reason: LeaveReason,
        /// Who kicked them (`None` when they left).
        by: Option<UserId>,
    },
    /// Name, avatar, notice, join policy, whole-group mute or owner changed.
    GroupInfoChanged {
        /// The group as it is now.
        group: GroupInfo,
        /// Who changed it.
        by: UserId,
    },
    /// A member's role changed (set by the owner, or by an ownership transfer).
    #[allow(missing_docs)] // fields named by what they hold
    GroupRoleChanged {
        group: GroupId,
        /// Whose role.
        user: UserId,
        role: GroupRole,
        /// Who changed it.
        by: UserId,
    },
    /// A member was muted or unmuted.
    #[allow(missing_docs)] // fields named by what they hold
    GroupMemberMuted {
        group: GroupId,
        /// Who.
        user: UserId,
        /// Muted until this time; `None`: unmuted.
        until: Option<Millis>,
        /// Who did it.
        by: UserId,
    },
    /// The owner dismissed the group: it no longer exists for anyone.
    #[allow(missing_docs)] // fields named by what they hold
    GroupDismissed {
        group: GroupId,
        /// The owner who dismissed it.
        by: UserId,
    },
    /// An application to join a group was filed (sent to the applicant and to
    /// the group's owner and admins).
    #[allow(missing_docs)] // fields named by what they hold
    GroupApplicationAdded { application: GroupApplication },
    /// An application to join a group was accepted or refused (same recipients).
    GroupApplicationHandled {
        /// The application in its new state.
        application: GroupApplication,
    },
    /// My settings of a conversation changed (pin, mute, archive, draft,
    /// clear history), possibly on another device.
    ConvSettingsChanged {
        /// The conversation's settings as they are now.
        settings: crate::settings::ConvSettings,
    },
    /// My account-wide notification settings changed.
    SettingsChanged {
        /// The settings as they are now.
        settings: crate::settings::AccountSettings,
    },
}

/// A change-log entry with its per-user version (1, 2, 3, ... with no gaps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VersionedChange {
    /// Position in the user's change log.
    pub version: u64,
    /// What changed.
    pub change: Change,
}
