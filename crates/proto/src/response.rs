//! Server → client results and pushes.

use serde::{Deserialize, Serialize};

use crate::ids::{ConversationId, MsgId, RoomId, Seq, UserId};
use crate::model::{
    ConversationInfo, EditEntry, Friend, FriendApplication, GroupApplication, GroupInfo,
    GroupMember, Limits, Message, MessageReactions, Millis, Pin, Profile, Reaction, RecallEntry,
    VersionedChange,
};
use crate::rooms::{RoomInfo, RoomMember, RoomMessage};
use crate::settings::{AccountSettings, ConvSettings};

/// The successful result of a request, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Response {
    /// Handshake accepted.
    Hello {
        /// The server's protocol version.
        version: u32,
        /// Server name and version, e.g. `tern-server/0.1.0`.
        server: String,
        /// Limits the client should respect.
        limits: Limits,
    },
    /// Answer to `ping`.
    Pong {
        /// Server time.
        now: Millis,
    },
    /// The request succeeded and has nothing to return.
    Done,
    /// An authenticated session.
    Session {
        /// Bearer token for `resume` (and HTTP file transfer).
        token: String,
        /// When the token stops working.
        expires_at: Millis,
        /// My profile.
        profile: Profile,
        /// My current change-log version.
        version: u64,
    },
    /// A profile (e.g. mine after `set_profile`).
    #[allow(missing_docs)] // fields named by what they hold
    Profile { profile: Profile },
    /// Several profiles.
    #[allow(missing_docs)] // fields named by what they hold
    Profiles { profiles: Vec<Profile> },
    /// Friend applications.
    Applications {
        /// Newest first.
        applications: Vec<FriendApplication>,
    },
    /// Friends.
    Friends {
        /// Ordered by user id.
        friends: Vec<Friend>,
    },
    /// Result of `check_friends`.
    FriendCheck {
        /// Those of the asked ids that are my friends.
        friends: Vec<UserId>,
    },
    /// Blocked users.
    Blocked {
        /// Ordered by user id.
        users: Vec<UserId>,
    },
    /// Result of `get_presence`.
    Presence {
        /// Those of the asked ids that are my friends and online.
        online: Vec<UserId>,
    },
    /// A page of my change log.
    Changes {
        /// Entries in version order.
        changes: Vec<VersionedChange>,
        /// My latest version (if larger than the last entry's, ask again).
        latest: u64,
    },
    /// Ack of `send`: the message is stored.
    Sent {
        /// Its conversation.
        conv: ConversationId,
        /// Its seq.
        seq: Seq,
        /// Its server id.
        id: MsgId,
        /// Its server time.
        sent_at: Millis,
        /// True when this `client_id` had been stored before (a resend).
        duplicate: bool,
    },
    /// My conversations.
    Conversations {
        /// Most recent activity first.
        conversations: Vec<ConversationInfo>,
    },
    /// Messages (order as the request says).
    #[allow(missing_docs)] // fields named by what they hold
    Messages { messages: Vec<Message> },
    /// Entries of a conversation's recall log, oldest first.
    Recalls {
        /// The conversation's current recall version.
        latest: u64,
        /// Entries after the requested version.
        recalls: Vec<RecallEntry>,
    },
    /// Result of `edit`.
    Edited {
        /// When the edit was stored (the message's new `edited_at`).
        edited_at: Millis,
    },
    /// Entries of a conversation's edit log, oldest first.
    Edits {
        /// The conversation's current edit version.
        latest: u64,
        /// Entries after the requested version.
        edits: Vec<EditEntry>,
    },
    /// A message's reactions after `react`.
    MessageReactions {
        /// The message.
        seq: Seq,
        /// Its reactions now, by emoji (first reacted first).
        reactions: Vec<Reaction>,
    },
    /// Messages whose reactions changed, oldest change first.
    ReactionLog {
        /// The conversation's current reaction version.
        latest: u64,
        /// The changed messages with their reactions now.
        messages: Vec<MessageReactions>,
    },
    /// Who has read a group message (one page of members).
    ReadBy {
        /// The message.
        seq: Seq,
        /// Members (the sender aside, and those who joined after it was sent
        /// into a group hiding its history) who have read it.
        read_count: u32,
        /// Those who have not.
        unread_count: u32,
        /// This page's members who have read it, by id.
        read: Vec<UserId>,
        /// This page's members who have not, by id.
        unread: Vec<UserId>,
        /// Pass as `after` for the next page; absent on the last.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<UserId>,
    },
    /// What a `forward` did, per target conversation in request order.
    Forwarded {
        /// One entry per target.
        results: Vec<crate::ForwardResult>,
    },
    /// A conversation's pinned messages, most recently pinned first.
    #[allow(missing_docs)] // fields named by what they hold
    Pins {
        conv: ConversationId,
        /// Its pins.
        pins: Vec<Pin>,
    },
    /// One group.
    #[allow(missing_docs)] // fields named by what they hold
    Group { group: GroupInfo },
    /// My groups.
    Groups {
        /// Ordered by group id.
        groups: Vec<GroupInfo>,
    },
    /// A group's members.
    GroupMembers {
        /// Owner first, then admins, then members by join time.
        members: Vec<GroupMember>,
    },
    /// Result of `join_group`.
    GroupJoin {
        /// True: I am a member now. False: an application is pending approval.
        joined: bool,
    },
    /// Applications to join a group.
    GroupApplications {
        /// Newest first.
        applications: Vec<GroupApplication>,
    },
    /// My settings of one conversation (after `edit_conv`).
    ConvSettings {
        /// The settings as they are now.
        settings: ConvSettings,
    },
    /// My settings of every conversation that has any.
    ConvSettingsList {
        /// Ordered by conversation id.
        settings: Vec<ConvSettings>,
    },
    /// My account-wide notification settings.
    #[allow(missing_docs)] // fields named by what they hold
    Settings { settings: AccountSettings },
    /// A page of open rooms.
    Rooms {
        /// Ordered by room id.
        rooms: Vec<RoomInfo>,
    },
    /// One room (after `create_room`).
    #[allow(missing_docs)] // fields named by what they hold
    Room { room: RoomInfo },
    /// Result of `join_room`: the room, and the last messages it keeps.
    RoomJoined {
        /// The room (with me counted).
        room: RoomInfo,
        /// Its last messages (at most the server's `room_recent`), oldest first.
        recent: Vec<RoomMessage>,
    },
    /// Ack of `room_send`: the message is kept and fanned out.
    #[allow(missing_docs)] // fields named by what they hold
    RoomSent {
        room: RoomId,
        /// Its seq in the room.
        seq: u64,
        /// Its server time.
        sent_at: Millis,
    },
    /// A page of a room's members.
    RoomMembers {
        /// By user id.
        members: Vec<RoomMember>,
        /// Pass as `after` for the next page; absent on the last.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<UserId>,
    },
}

/// Why the server ended a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum KickReason {
    /// Another login displaced this one under the multi-device policy.
    OtherDevice,
    /// An administrator forced the user offline.
    Admin,
    /// The password changed; log in again.
    PasswordChanged,
    /// The account was deleted.
    AccountDeleted,
    /// The session logged out (on another connection that shared its token).
    LoggedOut,
    /// The session's token expired while the connection was open; log in again.
    TokenExpired,
}

/// An unsolicited event from the server, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Push {
    /// This session has ended; its token no longer works. The server closes next.
    Kicked {
        /// Why.
        reason: KickReason,
    },
    /// A friend went online or offline.
    Presence {
        /// Who.
        user: UserId,
        /// Whether any of their devices is connected.
        online: bool,
    },
    /// An entry was appended to my change log.
    Change(VersionedChange),
    /// A new message in one of my conversations (also my own, from another device).
    #[allow(missing_docs)] // fields named by what they hold
    Message { message: Message },
    /// Someone (the peer, or me on another device) read up to `seq`.
    Read {
        /// Conversation.
        conv: ConversationId,
        /// Who read.
        user: UserId,
        /// Up to where.
        seq: Seq,
    },
    /// A message was recalled; it is now a tombstone.
    Recalled {
        /// Conversation.
        conv: ConversationId,
        /// Which message.
        seq: Seq,
        /// Who recalled it.
        by: UserId,
        /// When.
        at: Millis,
    },
    /// A message's text was edited by its sender.
    Edited {
        /// Conversation.
        conv: ConversationId,
        /// Which message.
        seq: Seq,
        /// Its new text.
        text: String,
        /// When.
        edited_at: Millis,
    },
    /// A message's reactions changed (someone added or removed one).
    Reactions {
        /// Conversation.
        conv: ConversationId,
        /// Which message.
        seq: Seq,
        /// Its reactions now.
        reactions: Vec<Reaction>,
    },
    /// A conversation's pinned messages changed.
    Pins {
        /// Conversation.
        conv: ConversationId,
        /// Its pins now, most recently pinned first.
        pins: Vec<Pin>,
    },
    /// The peer is typing (ephemeral).
    Typing {
        /// Conversation.
        conv: ConversationId,
        /// Who.
        user: UserId,
    },
    /// A message in a room I am in (also my own, to my other devices).
    #[allow(missing_docs)] // fields named by what they hold
    RoomMessage { message: RoomMessage },
    /// I am no longer in a room: kicked (with the ban's end, if any), dropped
    /// after the grace period, or the room was deleted.
    #[allow(missing_docs)] // fields named by what they hold
    RoomLeft {
        room: RoomId,
        /// Why: `kicked`, `dropped` or `deleted`.
        reason: RoomLeftReason,
        /// When a ban ends (kicks with a ban only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        banned_until: Option<Millis>,
    },
}

/// Why a member is no longer in a room (`room_left` push).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RoomLeftReason {
    /// An owner or admin kicked me.
    Kicked,
    /// All my connections were gone for longer than the grace period.
    Dropped,
    /// The owner (or the server's administrator) deleted the room.
    Deleted,
}
