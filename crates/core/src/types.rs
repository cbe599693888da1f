//! Data the client hands to apps: messages with delivery state, conversations,
//! session and status values.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tern_proto::{ClientMsgId, Content, ConversationId, FileId, Millis, MsgId, Seq, UserId};

/// Whether the user is logged in (OpenIM's login status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LoginStatus {
    /// No session.
    LoggedOut,
    /// A login is in progress.
    LoggingIn,
    /// A session exists (the connection may still be down; see [`ConnectionState`]).
    LoggedIn,
    /// The last login attempt was refused.
    LoginFailed,
}

/// State of the connection to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// Not connected and not trying (logged out, kicked, token expired).
    Offline,
    /// Connecting or waiting to reconnect.
    Connecting,
    /// Connected and authenticated.
    Online,
}

/// An authenticated session, returned by the login calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Session {
    /// Who is logged in.
    pub user: UserId,
    /// Bearer token; store it (e.g. in the OS keyring) for [`crate::Client::login_with_token`].
    pub token: String,
    /// When the token stops working (ms since the epoch); 0 when unknown (offline start).
    pub expires_at: Millis,
}

/// Delivery state of a message, as a sender sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// In the outbox, not yet acknowledged by the server.
    Sending,
    /// Stored by the server (for received messages: always this or `Read`).
    Sent,
    /// The peer has read it.
    Read,
    /// The retry budget ran out or the server refused it; [`crate::Client::resend`] retries.
    Failed,
}

/// A message as the local cache holds it: server messages and our own pending ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct LocalMessage {
    pub conv: ConversationId,
    /// The sender's id for the message; the local id of a pending message and the key
    /// for [`crate::Client::resend`].
    pub client_id: ClientMsgId,
    /// Position in the conversation; `None` until the server acknowledged it.
    pub seq: Option<Seq>,
    /// The server's id; `None` until acknowledged.
    pub id: Option<MsgId>,
    /// Who sent it.
    pub sender: UserId,
    /// True when the logged-in user sent it (from this or another device).
    pub outgoing: bool,
    /// Server time; local queueing time while pending (ms since the epoch).
    pub sent_at: Millis,
    /// What it says ([`Content::Recalled`] once recalled).
    pub content: Content,
    /// Application JSON attached to the message.
    pub ext: Option<Value>,
    /// Delivery state.
    pub state: DeliveryState,
    /// Why it failed, when `state` is `Failed` and the server gave a reason.
    pub error: Option<tern_proto::WireError>,
    /// When its sender last edited it (shown as "edited"); `None` if never.
    pub edited_at: Option<Millis>,
    /// The seq of the message (same conversation) it replies to; see
    /// [`crate::Client::quote`] for the snippet to show.
    pub reply_to: Option<Seq>,
    /// Whom it mentions (group messages); `None` when nobody.
    pub mentions: Option<tern_proto::Mentions>,
}

/// Who of a group has read a message: totals and one page of members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReadByPage {
    /// The message.
    pub seq: Seq,
    /// Members who have read it.
    pub read_count: u32,
    /// Members who have not.
    pub unread_count: u32,
    /// This page's readers, by id.
    pub read: Vec<UserId>,
    /// This page's non-readers, by id.
    pub unread: Vec<UserId>,
    /// Pass as `after` for the next page; `None` on the last.
    pub next: Option<UserId>,
}

/// What a reply shows of the message it quotes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Quote {
    /// The quoted message.
    pub seq: Seq,
    /// Who sent it (`None` when it cannot be read).
    pub sender: Option<UserId>,
    /// Its first line (text, at most 80 characters), or `[Image]`, `[File] name`, …;
    /// for a recalled, deleted or unreadable message, a note saying so.
    pub snippet: String,
    /// Whether it can still be shown.
    pub state: QuoteState,
}

/// The state of a quoted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum QuoteState {
    /// It is there: `snippet` is its beginning.
    Available,
    /// Its sender (or a group manager) recalled it.
    Recalled,
    /// I deleted it on this device.
    Deleted,
    /// Neither cached nor served to me (e.g. from before I joined a group).
    Unavailable,
}

/// A conversation in the local list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct Conversation {
    pub conv: ConversationId,
    /// The other user of a direct chat.
    pub peer: Option<UserId>,
    /// What to show as its name: the remark, else the nickname, else the id of the peer.
    pub title: String,
    /// The peer's avatar.
    pub avatar: Option<FileId>,
    /// Highest seq known in it.
    pub max_seq: Seq,
    /// Highest seq the user has read (on any device).
    pub read_seq: Seq,
    /// Highest seq the peer has read (as far as receipts told us).
    pub peer_read_seq: Seq,
    /// Messages from others after `read_seq`.
    pub unread: u64,
    /// Of those, the ones that mention me (by id or `@all`): the chat list
    /// shows "[@you]" while this is above 0.
    pub unread_mentions: u64,
    /// The newest message (pending ones included).
    pub last: Option<LocalMessage>,
    /// Time of the last activity (newest message or draft edit), for ordering.
    pub last_activity: Millis,
    /// Unsent text the user left in the composer ("" for none).
    pub draft: String,
}

/// A page of search results, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchPage {
    /// Matching messages, newest first.
    pub messages: Vec<LocalMessage>,
    /// The page number asked for (from 0).
    pub page: u32,
    /// True when a further page has results.
    pub has_more: bool,
}

/// How far tern-core's deferred full-text index has caught up
/// ([`crate::Client::search_index_state`]): while `indexing`, a search waits for
/// the rest (`total - indexed` messages) before it answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchIndexState {
    /// Messages are waiting to be indexed.
    pub indexing: bool,
    /// Messages indexed in this catch-up so far (0 when up to date).
    pub indexed: u64,
    /// Messages of this catch-up in all, indexed or not (0 when up to date).
    pub total: u64,
}

/// Fields of a group to change ([`crate::Client::update_group`]); `None` leaves a
/// field as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GroupUpdate {
    /// New name (1 to 64 characters).
    pub name: Option<String>,
    /// New avatar (an uploaded file).
    pub avatar: Option<FileId>,
    /// New notice ("" clears it).
    pub notice: Option<String>,
    /// New join policy.
    pub join_policy: Option<tern_proto::JoinPolicy>,
    /// Whether members who join from now on see the earlier history.
    #[serde(default)]
    pub history_visible: Option<bool>,
}

/// Which way a file transfer goes ([`crate::Event::TransferProgress`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TransferDirection {
    /// From this device to the server.
    Upload,
    /// From the server to this device.
    Download,
}

/// What a [`MemberNotice`] tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum MemberNoticeKind {
    /// Someone joined (or was added).
    Joined,
    /// Someone left on their own.
    Left,
    /// Someone was removed by the owner or an admin.
    Kicked,
    /// `user` (the owner) created the group: recorded when I joined it at its
    /// creation (as its creator or one of its first members).
    Created,
}

/// A membership change of a group as a line of its timeline ("Bob left"), kept in
/// this device's cache from when it applied the change (see [`Client::member_notices`](crate::Client::member_notices)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[allow(missing_docs)] // fields named by what they hold
pub struct MemberNotice {
    /// This device's id of the notice (stable across restarts).
    pub id: i64,
    pub conv: ConversationId,
    /// Joined, left, kicked, or created.
    pub kind: MemberNoticeKind,
    /// Who joined or went; for `Created`, the owner who created the group.
    pub user: UserId,
    /// Who added or removed them; `None` when they joined an open group or left,
    /// and for my own joining (the change does not say who added me).
    pub by: Option<UserId>,
    /// When this device applied the change; for `Created` and my own joining,
    /// the server's time of the creation and of my joining.
    pub at: Millis,
    /// How `user` was named then (friend remark or nickname), when known.
    pub name: Option<String>,
}
