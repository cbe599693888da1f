//! Groups: roles, join policies, the group as members see it, members, join applications.

use serde::{Deserialize, Serialize};

use super::{ApplicationState, Millis};
use crate::ids::{FileId, GroupId, UserId};

/// A member's role in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    /// Created the group or received ownership; exactly one per group. May do
    /// everything, and alone may dismiss the group, transfer ownership and set roles.
    Owner,
    /// Appointed by the owner; may kick and mute members, approve applications,
    /// edit the group and recall others' messages.
    Admin,
    /// Everyone else.
    Member,
}

impl GroupRole {
    /// The one rule of who may moderate whom in a group — kick, mute, recall
    /// their messages — used by the server, tern-core and the app: the owner
    /// may moderate everyone but an owner; an admin only plain members and
    /// people no longer in the group (`target` = `None`); a plain member nobody.
    pub fn may_moderate(self, target: Option<GroupRole>) -> bool {
        match (self, target) {
            (_, Some(GroupRole::Owner)) => false,
            (GroupRole::Owner, _) => true,
            (GroupRole::Admin, None | Some(GroupRole::Member)) => true,
            _ => false,
        }
    }

    /// Whether this role manages the group: edits its info, mutes everyone,
    /// answers applications, invites into an approval-only group.
    pub fn manages(self) -> bool {
        matches!(self, GroupRole::Owner | GroupRole::Admin)
    }
}

/// How non-members get into a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum JoinPolicy {
    /// `join_group` makes anyone a member at once.
    Open,
    /// `join_group` files an application that the owner or an admin approves.
    Approval,
}

/// A group as every member (and, for the public fields, anyone) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct GroupInfo {
    /// The group's id (its conversation is `g:<id>`).
    pub group: GroupId,
    /// Display name (1 to 64 characters).
    pub name: String,
    /// Avatar image, an uploaded file.
    pub avatar: Option<FileId>,
    /// The group notice (announcement) shown to members; may be empty.
    pub notice: String,
    pub owner: UserId,
    /// How others join.
    pub join_policy: JoinPolicy,
    /// Whole-group mute: only the owner and admins may post while set.
    pub all_muted: bool,
    /// How many members it has.
    pub member_count: u32,
    /// When it was created.
    pub created_at: Millis,
    /// Whether someone who joins sees the messages (and files) sent before
    /// they joined. Off by default: a new member starts at the current end.
    #[serde(default)]
    pub history_visible: bool,
    /// Whether senders and managers may see who read a message (`read_by`).
    #[serde(default = "yes")]
    pub read_by: bool,
}

fn yes() -> bool {
    true
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GroupMember {
    /// Who.
    pub user: UserId,
    /// Their role.
    pub role: GroupRole,
    /// Muted (may not post) until this time; `None` when not muted.
    pub muted_until: Option<Millis>,
    /// When they joined.
    pub joined_at: Millis,
}

/// An application to join a group with [`JoinPolicy::Approval`]. At most one
/// per (group, user); applying again replaces the message and makes it pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct GroupApplication {
    pub group: GroupId,
    /// The applicant.
    pub user: UserId,
    /// The applicant's message (≤ 256 characters).
    pub message: String,
    /// Current state.
    pub state: ApplicationState,
    /// Who accepted or refused it (`None` while pending).
    pub handled_by: Option<UserId>,
    /// When it was (last) sent.
    pub created_at: Millis,
    /// When it last changed state.
    pub updated_at: Millis,
}

/// Why a member is no longer in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// They left on their own.
    Left,
    /// The owner or an admin removed them.
    Kicked,
}

#[cfg(test)]
mod role_tests {
    use super::GroupRole::{self, Admin, Member, Owner};

    /// The whole table, so a change to the rule is a deliberate one.
    #[test]
    fn who_may_moderate_whom() {
        let targets = [Some(Owner), Some(Admin), Some(Member), None];
        let table: [(GroupRole, [bool; 4]); 3] = [
            (Owner, [false, true, true, true]),
            (Admin, [false, false, true, true]),
            (Member, [false, false, false, false]),
        ];
        for (role, expected) in table {
            for (target, want) in targets.iter().zip(expected) {
                assert_eq!(role.may_moderate(*target), want, "{role:?} over {target:?}");
            }
        }
        assert!(Owner.manages() && Admin.manages() && !Member.manages());
    }
}
