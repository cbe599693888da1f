//! The one typed event stream of a [`crate::Client`].

use serde::{Deserialize, Serialize};
use tern_proto::{
    AccountSettings, Change, ClientMsgId, ConvSettings, ConversationId, ErrorCode, Friend,
    FriendApplication, KickReason, Millis, Profile, Seq, UserId, WireError,
};

use crate::types::{Conversation, LocalMessage, LoginStatus, TransferDirection};

/// Everything that happens to a client, in order, tagged by `type` for JSON consumers
/// (the CLI's `listen` prints these one per line; the desktop forwards them to the UI).
//
// Large payloads (messages, conversations, profiles, settings, change-log entries) are
// boxed: the client's event channel keeps 8192 slots of this type, each as large as
// its largest variant (560 bytes before, 4.8 MB resident per signed-in client; now
// a test keeps it at most 96 bytes). Boxes serialize as what they hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    // ---- session and connection ----
    /// The login status changed.
    #[allow(missing_docs)] // fields named by what they hold
    LoginStatus { status: LoginStatus },
    /// Connecting to the server (attempt 1 is the first try after a login or a drop).
    Connecting {
        /// Consecutive attempt number.
        attempt: u32,
    },
    /// Connected and authenticated.
    Connected,
    /// A connection attempt failed or an open connection dropped; retrying after a delay.
    ConnectFailed {
        /// What went wrong.
        error: String,
        /// Set when the server's TLS certificate was refused: no network problem,
        /// retrying will not help until the certificate (or the trusted CAs) change.
        certificate: Option<crate::CertificateProblem>,
        /// Milliseconds until the next attempt.
        retry_in_ms: u64,
    },
    /// The server ended this session for any reason but its token expiring (that is
    /// [`Event::TokenExpired`]): another login displaced it, an admin forced it off, its
    /// password was changed, its account deleted, or it was signed out (e.g. by
    /// "sign out other devices" elsewhere). No reconnect follows.
    KickedOffline {
        /// Why.
        reason: KickReason,
    },
    /// The token expired or was revoked: log in again. No reconnect follows.
    TokenExpired {
        /// `TokenExpired` or `TokenInvalid`.
        code: ErrorCode,
    },
    /// A resync began (after a connect, or on [`crate::Client::resync`]).
    SyncStarted,
    /// The resync finished; the local cache is up to date.
    SyncFinished {
        /// Messages fetched by this sync.
        messages: u64,
        /// Change-log entries applied by this sync.
        changes: u64,
    },

    // ---- relations (OpenIM friend listener) ----
    /// A friend application to or from me appeared (or was re-sent).
    #[allow(missing_docs)] // fields named by what they hold
    FriendApplicationAdded { application: Box<FriendApplication> },
    /// A friend application to or from me was accepted.
    #[allow(missing_docs)] // fields named by what they hold
    FriendApplicationAccepted { application: Box<FriendApplication> },
    /// A friend application to or from me was refused.
    #[allow(missing_docs)] // fields named by what they hold
    FriendApplicationRefused { application: Box<FriendApplication> },
    /// Someone became my friend.
    #[allow(missing_docs)] // fields named by what they hold
    FriendAdded { friend: Box<Friend> },
    /// Someone left my friend list: I removed them, or their account was deleted.
    FriendDeleted {
        /// Who.
        user: UserId,
    },
    /// A friend's remark or profile changed.
    FriendInfoChanged {
        /// The friend as now.
        friend: Box<Friend>,
    },
    /// I blocked someone.
    BlackAdded {
        /// Who.
        user: UserId,
    },
    /// Someone left my blacklist: I unblocked them, or their account was deleted.
    BlackDeleted {
        /// Who.
        user: UserId,
    },
    /// My own profile changed (here or on another device).
    ProfileChanged {
        /// The profile as now.
        profile: Box<Profile>,
    },
    /// A friend went online or offline.
    Presence {
        /// Who.
        user: UserId,
        /// Online now.
        online: bool,
    },

    // ---- groups (OpenIM group listener) ----
    /// One `group_*` entry of my change log, as the server sent it (the wire
    /// [`Change`]; only its `group_*` kinds come as this event), after the cache
    /// applied it. Its `kind` says which (docs/protocol.md § 5.8), next to this
    /// event's `type`: `{"type": "group_changed", "kind": "group_joined", ...}`.
    /// After `group_joined` the group's conversation is listed; after
    /// `group_dismissed`, or a `group_member_left` naming me, the group and its
    /// conversation are gone from the cache (a `conversation_removed` follows).
    GroupChanged(Box<Change>),

    // ---- messages ----
    /// A message appeared in the local cache: received (pushed or caught up by a sync),
    /// sent from another device, or queued here (then `state` is `sending`).
    #[allow(missing_docs)] // fields named by what they hold
    NewMessage {
        message: Box<LocalMessage>,
        /// True for a live push or a local send, and for a message sent after I joined
        /// its group that the join's catch-up brought while I was connected (it raced
        /// the join); false for other messages caught up by a sync — those of a group I
        /// was added to while this device was away included (apps usually do not
        /// notify for those).
        live: bool,
    },
    /// The server stored one of my messages.
    MessageAcked {
        /// The message, now with seq and server id.
        message: Box<LocalMessage>,
    },
    /// One of my messages failed (retry budget spent, or refused, e.g. `Blocked`).
    MessageFailed {
        /// The message, `state` = `failed`.
        message: Box<LocalMessage>,
        /// The server's refusal, when there was one.
        error: Option<WireError>,
    },
    /// Someone read a conversation up to `seq` (the peer, or me on another device).
    #[allow(missing_docs)] // fields named by what they hold
    ReadReceipt {
        conv: ConversationId,
        /// Who read.
        user: UserId,
        /// Up to where.
        seq: Seq,
    },
    /// A message was recalled; the cache now holds a tombstone.
    #[allow(missing_docs)] // fields named by what they hold
    Recalled {
        conv: ConversationId,
        /// Which message.
        seq: Seq,
        /// Who recalled it.
        by: UserId,
        /// When.
        at: Millis,
    },
    /// A message's text was edited by its sender; the cache holds the new text.
    #[allow(missing_docs)] // fields named by what they hold
    Edited {
        conv: ConversationId,
        /// Which message.
        seq: Seq,
        /// Its new text.
        text: String,
        /// When.
        edited_at: Millis,
    },
    /// A message's reactions changed; the cache holds the new list.
    #[allow(missing_docs)] // fields named by what they hold
    ReactionsChanged {
        conv: ConversationId,
        /// Which message.
        seq: Seq,
        /// Its reactions now, per emoji: count and who.
        reactions: Vec<tern_proto::Reaction>,
    },
    /// A conversation's pinned messages changed; the cache holds the new list.
    #[allow(missing_docs)] // fields named by what they hold
    PinsChanged {
        conv: ConversationId,
        /// Its pins now, most recently pinned first.
        pins: Vec<tern_proto::Pin>,
    },
    /// The peer is typing.
    #[allow(missing_docs)] // fields named by what they hold
    Typing {
        conv: ConversationId,
        /// Who.
        user: UserId,
    },

    // ---- chat rooms (not cached: live only) ----
    /// A message in a chat room I am in.
    #[allow(missing_docs)] // fields named by what they hold
    RoomMessage {
        message: Box<tern_proto::RoomMessage>,
    },
    /// I am no longer in a chat room (kicked, dropped, or it was deleted).
    #[allow(missing_docs)] // fields named by what they hold
    RoomLeft {
        room: tern_proto::RoomId,
        /// Why.
        reason: tern_proto::RoomLeftReason,
        /// When a kick's ban ends.
        banned_until: Option<tern_proto::Millis>,
    },

    /// A message left this device's cache: one of mine that was never sent (a
    /// cancelled upload, a deleted failed message), or any message deleted on this
    /// device only ([`crate::Client::delete_for_me`]).
    #[allow(missing_docs)] // fields named by what they hold
    MessageRemoved {
        conv: ConversationId,
        /// The removed message's client id.
        client_id: ClientMsgId,
    },

    // ---- file transfers ----
    /// Bytes moved so far by an upload or download (throttled: about every 1 %,
    /// and always at the end, when `done == total`).
    TransferProgress {
        /// The message's client id for an upload, the file id for a download.
        transfer: String,
        /// Upload or download.
        direction: TransferDirection,
        /// Bytes so far.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// An upload or download ended (an upload that will be retried has not ended).
    TransferFinished {
        /// As in [`Event::TransferProgress`].
        transfer: String,
        /// Upload or download.
        direction: TransferDirection,
        /// True when it completed.
        ok: bool,
        /// Why it did not (`cancelled` for a cancelled upload).
        error: Option<String>,
    },

    // ---- conversations and unread ----
    /// A conversation's summary changed (last message, draft, read state).
    ConversationChanged {
        /// The conversation as now.
        conversation: Box<Conversation>,
    },
    /// A conversation left the list: a group I left, was kicked from, or that was
    /// dismissed (its cached messages are kept; it is listed again if I rejoin).
    /// An `unread_changed` to 0 and a `total_unread_changed` follow when it had unread.
    #[allow(missing_docs)] // fields named by what they hold
    ConversationRemoved { conv: ConversationId },
    /// A conversation's unread count changed.
    #[allow(missing_docs)] // fields named by what they hold
    UnreadChanged {
        conv: ConversationId,
        /// Its unread count now.
        unread: u64,
    },
    /// The sum of all unread counts changed.
    TotalUnreadChanged {
        /// The total now.
        total: u64,
    },

    // ---- settings that follow me across devices ----
    /// My settings of one conversation changed (pin, mute, archive, draft,
    /// clear history), here or on another device of mine. A
    /// `conversation_changed` follows.
    ConvSettingsChanged {
        /// The settings as now.
        settings: Box<ConvSettings>,
    },
    /// The account's notification settings (switches, do-not-disturb schedule)
    /// changed, here or on another device of mine.
    AccountSettingsChanged {
        /// The settings as now.
        settings: Box<AccountSettings>,
    },
}

impl Event {
    /// The change-log entry of a `group_changed` event (`None` for every other type).
    pub fn group_change(&self) -> Option<&Change> {
        match self {
            Event::GroupChanged(change) => Some(change),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every slot of the client's event channel (8192 of them, written when the
    /// channel is made) is as large as this type: keep big payloads boxed.
    #[test]
    fn events_stay_small() {
        let size = std::mem::size_of::<Event>();
        assert!(
            size <= 96,
            "Event is {size} bytes: box the variant that grew"
        );
    }

    #[test]
    fn boxed_payloads_serialize_as_what_they_hold() {
        let settings = AccountSettings::default();
        let event = Event::AccountSettingsChanged {
            settings: Box::new(settings.clone()),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "account_settings_changed");
        assert_eq!(json["settings"], serde_json::to_value(&settings).unwrap());
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
    }
}
