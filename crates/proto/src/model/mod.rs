//! Data carried inside requests, responses and pushes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::{ClientMsgId, ConversationId, FileId, MsgId, Seq, UserId};

mod changes;
pub mod forward;
mod groups;

pub use changes::{Change, VersionedChange};
pub use groups::{GroupApplication, GroupInfo, GroupMember, GroupRole, JoinPolicy, LeaveReason};

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
    /// The largest chat history a merged `forward` may create, its content's JSON
    /// in bytes (`max_history_bytes`; `0` from older servers: unknown).
    #[serde(default)]
    pub max_history_bytes: u32,
}
