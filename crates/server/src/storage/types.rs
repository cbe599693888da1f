//! The values the storage interface takes and returns, shared by every backend.

use tern_proto::{FileId, FileRef, JoinPolicy, Message, Platform, UserId};

/// A session row as needed to authorise a token.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Owner.
    pub user: UserId,
    /// Revoked by logout, kick or policy.
    pub revoked: bool,
}

/// A session to create at login.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Random session id (goes into the token).
    pub id: String,
    /// Owner.
    pub user: UserId,
    /// Device class, for the multi-device policy.
    pub platform: Platform,
    /// Device id.
    pub device: String,
    /// Creation time.
    pub created_at: i64,
    /// Token expiry.
    pub expires_at: i64,
}

/// The result of storing (or finding) a message.
#[derive(Debug, Clone)]
pub struct SendOutcome {
    /// The stored message (the original one for a duplicate).
    pub message: Message,
    /// True when `(sender, client_id)` had been stored before.
    pub duplicate: bool,
    /// Members to push the message to (empty for a duplicate: they had it).
    pub members: Vec<UserId>,
}

/// How an invitation is checked.
#[derive(Debug, Clone, Copy)]
pub struct InviteRules {
    /// Member limit.
    pub max_members: u32,
    /// See [`NewGroup::require_friendship`].
    pub require_friendship: bool,
}

/// Fields of `update_group`, already validated; `None` keeps a field.
#[derive(Debug, Default)]
pub struct GroupUpdate {
    /// New name.
    pub name: Option<String>,
    /// New avatar.
    pub avatar: Option<FileId>,
    /// New notice.
    pub notice: Option<String>,
    /// New join policy.
    pub join_policy: Option<JoinPolicy>,
    /// Whether members who join later see the earlier history.
    pub history_visible: Option<bool>,
    /// Whether senders and managers may see who read a message.
    pub read_by: Option<bool>,
}

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    /// The reference clients put in messages.
    pub file: FileRef,
    /// sha256 of the bytes, lower-case hex (names the blob).
    pub sha256: String,
    /// Who uploaded it.
    pub uploader: UserId,
    /// When (ms since the epoch).
    pub created_at: i64,
}
