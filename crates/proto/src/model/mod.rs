//! Data carried inside requests, responses and pushes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::{ClientMsgId, ConversationId, FileId, GroupId, MsgId, Seq, UserId};

pub mod forward;

/// Milliseconds since the Unix epoch (UTC).
pub type Millis = i64;

/// The class of device a session runs on; the multi-device policy counts sessions per class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Desktop app or command-line client.
    Desktop,
    /// Phone or tablet.
    Mobile,
    /// Browser.
    Web,
}

impl Platform {
    /// The wire name (`desktop`, `mobile`, `web`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Mobile => "mobile",
            Self::Web => "web",
        }
    }
}

/// A user's public profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Profile {
    /// Account id.
    pub user: UserId,
    /// Display name; empty means "show the user id".
    pub nickname: String,
    /// Avatar image, an uploaded file.
    pub avatar: Option<FileId>,
    /// Free-text status line.
    pub signature: String,
}

/// One of my friends: their profile plus my private remark (alias) for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Friend {
    /// The friend's profile.
    pub profile: Profile,
    /// My private alias for them ("" when unset).
    pub remark: String,
    /// When the friendship started (on my side).
    pub since: Millis,
}

/// State of a friend application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    /// Waiting for the recipient.
    Pending,
    /// Accepted: the two are friends.
    Accepted,
    /// Refused by the recipient.
    Refused,
}

/// A friend application from `from` to `to`. At most one per ordered pair;
/// sending again replaces the greeting and makes it pending again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FriendApplication {
    /// Who asked.
    pub from: UserId,
    /// Who was asked.
    pub to: UserId,
    /// The applicant's message.
    pub greeting: String,
    /// Current state.
    pub state: ApplicationState,
    /// When it was (last) sent.
    pub created_at: Millis,
    /// When it last changed state.
    pub updated_at: Millis,
}

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

/// Metadata of an uploaded file as referenced from a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FileRef {
    /// Server id of the stored bytes.
    pub id: FileId,
    /// The original file name (display only; never a path on the server).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type, e.g. `image/png`.
    pub mime: String,
}

/// What a message says. Tagged by `type` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Content {
    /// Plain text (may contain emoji). Never interpreted as markup.
    #[allow(missing_docs)] // fields named by what they hold
    Text { text: String },
    /// An image file with its pixel size.
    Image {
        /// The uploaded image.
        file: FileRef,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Any file.
    #[allow(missing_docs)] // fields named by what they hold
    File { file: FileRef },
    /// An audio clip (a file).
    Audio {
        /// The uploaded audio file.
        file: FileRef,
        /// Length in milliseconds.
        duration_ms: u64,
    },
    /// A video clip (a file).
    Video {
        /// The uploaded video file.
        file: FileRef,
        /// Length in milliseconds.
        duration_ms: u64,
    },
    /// A geographic location.
    Location {
        /// Latitude in degrees.
        lat: f64,
        /// Longitude in degrees.
        lon: f64,
        /// Human-readable place name.
        label: String,
    },
    /// Application-defined JSON.
    Custom {
        /// Arbitrary JSON value.
        data: Value,
    },
    /// A notice from the system (admin API); shown distinctly by clients.
    #[allow(missing_docs)] // fields named by what they hold
    System { text: String },
    /// A merged forward: several messages as one "chat history" (only the
    /// server makes these, through `forward`).
    ChatHistory {
        /// Its title, e.g. "Chat history".
        title: String,
        /// The forwarded messages, oldest first, with their senders and times.
        items: Vec<forward::HistoryItem>,
    },
    /// What remains of a recalled message.
    Recalled {
        /// Who recalled it.
        by: UserId,
        /// When.
        at: Millis,
    },
}

impl Content {
    /// A short one-line preview for conversation lists and notifications.
    pub fn preview(&self) -> String {
        match self {
            Self::Text { text } | Self::System { text } => text.chars().take(80).collect(),
            Self::Image { .. } => "[Image]".into(),
            Self::File { file } => format!("[File] {}", file.name),
            Self::Audio { .. } => "[Audio]".into(),
            Self::Video { .. } => "[Video]".into(),
            Self::Location { label, .. } => format!("[Location] {label}"),
            Self::Custom { .. } => "[Custom message]".into(),
            Self::Recalled { .. } => "[Message recalled]".into(),
            Self::ChatHistory { title, .. } => format!("[Chat history] {title}"),
        }
    }
}

/// A stored message as the server delivers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct Message {
    /// The conversation it belongs to.
    pub conv: ConversationId,
    /// Its position in the conversation.
    pub seq: Seq,
    /// The server's unique id.
    pub id: MsgId,
    /// The sender's id for it (dedup key together with `sender`).
    pub client_id: ClientMsgId,
    pub sender: UserId,
    /// Server time when it was stored.
    pub sent_at: Millis,
    /// What it says (a [`Content::Recalled`] tombstone once recalled).
    pub content: Content,
    /// Optional application JSON object attached to any message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<Value>,
    /// When its sender last edited its text (`edit`); absent if never edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Millis>,
    /// The seq of the message (same conversation) it replies to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Seq>,
    /// Whom it mentions (group messages only); absent when nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<forward::Mentions>,
}

/// A conversation as listed for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct ConversationInfo {
    pub conv: ConversationId,
    /// Highest seq stored in it.
    pub max_seq: Seq,
    /// Highest seq this user has read (on any device).
    pub read_seq: Seq,
    /// In a direct conversation, the highest seq the peer has read (so a device
    /// that missed `read` pushes while offline still learns it); `0` in groups
    /// (per-member receipts are not listed here).
    #[serde(default)]
    pub peer_read_seq: Seq,
    /// `max_seq - read_seq`, counting only others' messages is the client's affair.
    pub unread: u64,
    /// The newest message, if any.
    pub last: Option<Message>,
    /// Recall version: how many of its messages have been recalled so far (it only
    /// grows). When it is above the one a device last saw, `recalls` since that
    /// version lists the seqs that became tombstones.
    #[serde(default)]
    pub recall_version: u64,
    /// Edit version: the conversation's newest edit log position (it only grows,
    /// with gaps). When it is above the one a device last applied, `edits` since
    /// that version lists the messages whose text changed, with their new text.
    #[serde(default)]
    pub edit_version: u64,
    /// Reaction version: the conversation's newest reaction log position (it only
    /// grows); above the one a device applied, `reactions` since then lists the
    /// messages whose reactions changed.
    #[serde(default)]
    pub reaction_version: u64,
    /// Pin version: how many times its pins changed (it only grows); above the
    /// one a device applied, `get_pins` gives the list now.
    #[serde(default)]
    pub pin_version: u64,
    /// In a group whose history is hidden from new members, the last seq sent
    /// before I joined: `pull`/`history` never return it or anything older.
    /// `0` when I see the whole conversation.
    #[serde(default)]
    pub visible_from: Seq,
}

/// One entry of a conversation's recall log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecallEntry {
    /// Position in the conversation's recall log (1, 2, 3, ... with no gaps).
    pub version: u64,
    /// The recalled message.
    pub seq: Seq,
    /// Who recalled it.
    pub by: UserId,
    /// When.
    pub at: Millis,
}

/// One entry of a conversation's edit log: a message's current text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EditEntry {
    /// Position in the conversation's edit log (grows; a message edited again
    /// moves to the newest position, so versions have gaps).
    pub version: u64,
    /// The edited message.
    pub seq: Seq,
    /// Its text now.
    pub text: String,
    /// When it was last edited.
    pub edited_at: Millis,
}

/// One emoji's reactions on a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct Reaction {
    pub emoji: String,
    /// How many members reacted with it (`users.len()`).
    pub count: u32,
    /// Who, in the order they reacted.
    pub users: Vec<UserId>,
}

/// A message's reactions, as the reaction log lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MessageReactions {
    /// Position in the conversation's reaction log (grows, with gaps).
    #[serde(default)]
    pub version: u64,
    /// The message.
    pub seq: Seq,
    /// Its reactions now (empty: all were removed).
    pub reactions: Vec<Reaction>,
}

/// A pinned message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Pin {
    /// The message.
    pub seq: Seq,
    /// Who pinned it.
    pub by: UserId,
    /// When.
    pub at: Millis,
}

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

/// Server limits announced in the handshake, so clients can check before sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Limits {
    /// Largest WebSocket frame accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Longest text message, in characters.
    pub max_text_chars: usize,
    /// Largest page a pull/history request may ask for.
    pub max_page: u32,
    /// Seconds after sending during which a message can be recalled.
    pub recall_window_secs: u64,
    /// Seconds after sending during which its sender may edit a text message
    /// (`0`: always).
    #[serde(default)]
    pub edit_window_secs: u64,
    /// Largest file accepted by `POST /files`, in bytes.
    #[serde(default)]
    pub max_file_bytes: u64,
    /// Most members a group may have.
    #[serde(default)]
    pub max_group_members: u32,
    /// A connection that sends nothing for this long is closed; ping more often.
    pub idle_timeout_secs: u64,
    /// Most messages one `forward` may name (setting `max_forward_messages`;
    /// `0` from older servers: unknown).
    #[serde(default)]
    pub max_forward_messages: u32,
    /// Most target conversations of one `forward` (`max_forward_targets`).
    #[serde(default)]
    pub max_forward_targets: u32,
    /// Most messages a one-by-one `forward` may create, messages × targets
    /// (`max_forward_copies`).
    #[serde(default)]
    pub max_forward_copies: u32,
    /// How deep chat histories may nest (`max_history_depth`).
    #[serde(default)]
    pub max_history_depth: u32,
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
