//! Client → server requests. Each is sent as `{"id": <u64>, "req": {"cmd": "<name>", ...}}`
//! and gets exactly one response frame with the same `id`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::{ClientMsgId, ConversationId, DeviceId, FileId, GroupId, RoomId, Seq, UserId};
use crate::model::{Content, GroupRole, JoinPolicy, Platform};
use crate::settings::{AccountSettings, ConvEdit};

/// A request, tagged by `cmd`.
#[derive(
    Debug, Clone, PartialEq, Serialize, Deserialize, strum::IntoStaticStr, strum::VariantNames,
)]
#[serde(tag = "cmd", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[non_exhaustive]
pub enum Request {
    // ---- connection ----
    /// Must be the first request on a connection. → [`crate::Response::Hello`]
    Hello {
        /// The client's protocol version ([`crate::PROTOCOL_VERSION`]).
        version: u32,
    },
    /// Heartbeat; keeps the connection from idling out. → `Pong`
    Ping,

    // ---- accounts and sessions ----
    /// Create an account. Does not log in. → `Done`
    Register {
        /// Wanted id.
        user: UserId,
        /// Password, 8 to 256 characters.
        password: String,
    },
    /// Log in with a password. → `Session`
    Login {
        /// Account id.
        user: UserId,
        /// Password.
        password: String,
        /// Device class, for the multi-device policy.
        platform: Platform,
        /// Stable id of this installation.
        device: DeviceId,
    },
    /// Log in with a token from an earlier `Login` (or minted by an app backend). → `Session`
    #[allow(missing_docs)] // fields named by what they hold
    Resume {
        token: String,
        /// Device class.
        platform: Platform,
        /// Stable id of this installation.
        device: DeviceId,
    },
    /// Revoke this session's token and end the session. → `Done`
    Logout,
    /// Change my password. `old_password` must be right (a wrong one counts as
    /// a failed login); every other session of mine is revoked and its
    /// connections get `kicked` (`password_changed`); this session stays. → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    ChangePassword {
        old_password: String,
        /// The new one (the server's length rules apply).
        new_password: String,
    },
    /// Sign out every other session of mine ("sign out all other devices"):
    /// their tokens are revoked and their connections get `kicked`
    /// (`logged_out`); this session stays. → `Done`
    SignOutOthers,

    // ---- users ----
    /// Profiles of the given users (unknown ids are left out). → `Profiles`
    GetProfiles {
        /// Whose.
        users: Vec<UserId>,
    },
    /// Change my profile; absent fields stay as they are. → `Profile`
    SetProfile {
        /// New display name.
        #[serde(default)]
        nickname: Option<String>,
        /// New avatar file; `null` leaves it unchanged.
        #[serde(default)]
        avatar: Option<FileId>,
        /// New signature.
        #[serde(default)]
        signature: Option<String>,
    },
    /// Find users whose id or nickname contains `query`. → `Profiles`
    SearchUsers {
        /// Substring to look for (1 to 64 characters).
        query: String,
    },

    // ---- friends ----
    /// Ask `to` to be friends. → `Done`
    ApplyFriend {
        /// Whom to ask.
        to: UserId,
        /// A short message (≤ 256 characters).
        #[serde(default)]
        greeting: String,
    },
    /// Applications others sent me. → `Applications`
    ListReceivedApplications,
    /// Applications I sent. → `Applications`
    ListSentApplications,
    /// Accept the pending application from `from`. → `Done`
    AcceptFriend {
        /// The applicant.
        from: UserId,
    },
    /// Refuse the pending application from `from`. → `Done`
    RefuseFriend {
        /// The applicant.
        from: UserId,
    },
    /// Remove `user` from my friend list (one-way). → `Done`
    DeleteFriend {
        /// Whom.
        user: UserId,
    },
    /// Set my private remark for a friend. → `Done`
    SetRemark {
        /// The friend.
        user: UserId,
        /// The alias ("" clears it; ≤ 64 characters).
        remark: String,
    },
    /// My friends; with `users`, only those of them that are my friends. → `Friends`
    GetFriends {
        /// Restrict to these ids.
        #[serde(default)]
        users: Option<Vec<UserId>>,
    },
    /// Which of `users` are my friends. → `FriendCheck`
    CheckFriends {
        /// Ids to check.
        users: Vec<UserId>,
    },
    /// My friends whose id, nickname or remark contains `query`. → `Friends`
    SearchFriends {
        /// Substring to look for.
        query: String,
    },

    // ---- blacklist ----
    /// Block `user`: they can no longer message me or ask to be friends. → `Done`
    Block {
        /// Whom.
        user: UserId,
    },
    /// Unblock `user`. → `Done`
    Unblock {
        /// Whom.
        user: UserId,
    },
    /// Everyone I blocked. → `Blocked`
    ListBlocked,

    // ---- presence ----
    /// Which of `users` are online now (only my friends are reported). → `Presence`
    GetPresence {
        /// Ids to check (at most 500).
        users: Vec<UserId>,
    },

    // ---- change log ----
    /// Change-log entries after version `since` (a page). → `Changes`
    SyncChanges {
        /// Last version this device has seen (0 for none).
        since: u64,
        /// Page size (≤ the server's `max_page`).
        #[serde(default)]
        limit: Option<u32>,
    },

    // ---- messages ----
    /// Store and deliver a message. Idempotent on `client_id`. → `Sent`
    Send {
        /// Target conversation (the sender must be a member).
        conv: ConversationId,
        /// The client's id for this message.
        client_id: ClientMsgId,
        /// What it says.
        content: Content,
        /// Optional application JSON object.
        #[serde(default)]
        ext: Option<Value>,
        /// Store this message only if my message with this client id is already
        /// stored (else `OutOfOrder`), so pipelined sends keep their order even
        /// when an earlier one is refused for now (e.g. `RateLimited`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<ClientMsgId>,
        /// The message of the same conversation this one replies to (quotes);
        /// it must exist and be readable by the sender (else `BadReply`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Seq>,
        /// Whom it mentions (groups only; members, `@all` by owner/admins).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mentions: Option<crate::Mentions>,
    },
    /// Forward messages of one conversation I can read to conversations I can
    /// send to, one by one or merged into one chat history. Idempotent on
    /// `client_id`. → `Forwarded`
    Forward {
        /// The forward's id; the message for target `t`, item `i` gets the
        /// client id `<client_id>.<t>.<i>` (at most 48 characters here).
        client_id: ClientMsgId,
        /// The conversation the messages come from.
        from: ConversationId,
        /// Their seqs (1 to 100), in the order to forward them.
        seqs: Vec<Seq>,
        /// Target conversations (1 to 10).
        to: Vec<ConversationId>,
        /// One chat-history message per target instead of one copy per message.
        #[serde(default)]
        merged: bool,
        /// The chat history's title (merged only; default "Chat history").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    /// My conversations with seq state and last message. → `Conversations`
    Conversations,
    /// Messages with `from <= seq <= to`, oldest first, at most `limit`. → `Messages`
    Pull {
        /// Conversation.
        conv: ConversationId,
        /// First seq wanted.
        from: Seq,
        /// Last seq wanted.
        to: Seq,
        /// Page size (≤ `max_page`).
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Up to `limit` messages before `before` (exclusive; absent = newest), newest first. → `Messages`
    History {
        /// Conversation.
        conv: ConversationId,
        /// Exclusive upper bound.
        #[serde(default)]
        before: Option<Seq>,
        /// Page size.
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Mark everything up to `seq` as read. → `Done`
    MarkRead {
        /// Conversation.
        conv: ConversationId,
        /// Read up to here (clamped to the max seq; never moves backwards).
        seq: Seq,
    },
    /// Recall my message at `seq` within the recall window. → `Done`
    Recall {
        /// Conversation.
        conv: ConversationId,
        /// The message.
        seq: Seq,
    },
    /// Entries of `conv`'s recall log after version `since`, oldest first, at most
    /// `limit`. → `Recalls`
    Recalls {
        /// Conversation.
        conv: ConversationId,
        /// Last recall version the client applied (0: from the start).
        #[serde(default)]
        since: u64,
        /// Page size (≤ `max_page`).
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Replace the text of my text message at `seq` (within the edit window;
    /// any number of times). → `Edited`
    Edit {
        /// Conversation.
        conv: ConversationId,
        /// The message.
        seq: Seq,
        /// The new text (1 to `max_text_chars` characters).
        text: String,
    },
    /// Entries of `conv`'s edit log after version `since`, oldest first, at most
    /// `limit`. → `Edits`
    Edits {
        /// Conversation.
        conv: ConversationId,
        /// Last edit version the client applied (0: from the start).
        #[serde(default)]
        since: u64,
        /// Page size (≤ `max_page`).
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Add (`on: true`) or remove (`on: false`) my reaction `emoji` on the
    /// message at `seq`; setting what is already set changes nothing.
    /// → `MessageReactions`
    React {
        /// Conversation.
        conv: ConversationId,
        /// The message.
        seq: Seq,
        /// Any emoji (1 to 32 bytes, no letters, digits, spaces or controls).
        emoji: String,
        /// Add or remove.
        on: bool,
    },
    /// Messages of `conv` whose reactions changed after version `since`, with
    /// their reactions now, oldest change first, at most `limit`. → `ReactionLog`
    Reactions {
        /// Conversation.
        conv: ConversationId,
        /// Last reaction version the client applied (0: from the start).
        #[serde(default)]
        since: u64,
        /// Page size (≤ `max_page`).
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Who of a group has read the message at `seq` and who has not, a page of
    /// members (by id, after `after`) at a time: for its sender and the group's
    /// owner and admins, unless the group turned `read_by` off. → `ReadBy`
    #[allow(missing_docs)] // fields named by what they hold
    ReadBy {
        conv: ConversationId,
        /// The message.
        seq: Seq,
        /// Members after this id (absent: from the first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<UserId>,
        /// Page size (≤ `max_page`, default 100).
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Pin (`on: true`) or unpin the message at `seq` (a group's owner and
    /// admins; either side of a one-to-one chat). → `Pins`
    Pin {
        /// Conversation.
        conv: ConversationId,
        /// The message.
        seq: Seq,
        /// Pin or unpin.
        on: bool,
    },
    /// The pinned messages of `conv`. → `Pins`
    GetPins {
        /// Conversation.
        conv: ConversationId,
    },
    /// Tell the peer I am typing (never stored). → `Done`
    Typing {
        /// Conversation.
        conv: ConversationId,
    },

    // ---- groups ----
    /// Create a group owned by me with `members` (besides me) in it; the server
    /// picks its id. → `Group`
    CreateGroup {
        /// Display name (1 to 64 characters).
        name: String,
        /// Initial members besides me (unknown ids are an error; duplicates and
        /// my own id are ignored).
        #[serde(default)]
        members: Vec<UserId>,
        /// How others may join (default `approval`).
        #[serde(default)]
        join_policy: Option<JoinPolicy>,
    },
    /// The groups I am a member of. → `Groups`
    GetGroups,
    /// One group's info (anyone may ask, so they can decide to join). → `Group`
    #[allow(missing_docs)] // fields named by what they hold
    GetGroupInfo { group: GroupId },
    /// Change the group (owner or admin); absent fields stay. → `Group`
    #[allow(missing_docs)] // fields named by what they hold
    UpdateGroup {
        group: GroupId,
        /// New name.
        #[serde(default)]
        name: Option<String>,
        /// New avatar file.
        #[serde(default)]
        avatar: Option<FileId>,
        /// New notice ("" clears it; ≤ 1024 characters).
        #[serde(default)]
        notice: Option<String>,
        /// New join policy.
        #[serde(default)]
        join_policy: Option<JoinPolicy>,
        /// Whether members who join from now on see the earlier history.
        #[serde(default)]
        history_visible: Option<bool>,
        /// Whether a message's sender and the managers may see who read it
        /// (`read_by`); absent: unchanged (new groups: on).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_by: Option<bool>,
    },
    /// The members of a group I am in, owner first, then admins, then by join time.
    /// → `GroupMembers`
    #[allow(missing_docs)] // fields named by what they hold
    GetGroupMembers { group: GroupId },
    /// Add users to a group I am in (any member may invite). Those already in it
    /// are skipped. → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    InviteMembers {
        group: GroupId,
        /// Whom.
        users: Vec<UserId>,
    },
    /// Join a group: at once if it is open, else file an application. → `GroupJoin`
    #[allow(missing_docs)] // fields named by what they hold
    JoinGroup {
        group: GroupId,
        /// A short message for the approvers (≤ 256 characters).
        #[serde(default)]
        message: String,
    },
    /// Applications to join a group (owner or admin). → `GroupApplications`
    #[allow(missing_docs)] // fields named by what they hold
    ListGroupApplications { group: GroupId },
    /// Accept `user`'s pending application (owner or admin). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    AcceptGroupApplication {
        group: GroupId,
        /// The applicant.
        user: UserId,
    },
    /// Refuse `user`'s pending application (owner or admin). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    RefuseGroupApplication {
        group: GroupId,
        /// The applicant.
        user: UserId,
    },
    /// Leave a group (the owner must transfer ownership or dismiss instead). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    LeaveGroup { group: GroupId },
    /// Remove a member (owner or admin; admins may only kick plain members). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    KickMember {
        group: GroupId,
        /// Whom.
        user: UserId,
    },
    /// Dismiss the group for everyone (owner only). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    DismissGroup { group: GroupId },
    /// Make a member an admin or a plain member again (owner only). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    SetMemberRole {
        group: GroupId,
        /// Whom.
        user: UserId,
        /// `admin` or `member` (ownership moves with `transfer_group`).
        role: GroupRole,
    },
    /// Make another member the owner; I become an admin (owner only). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    TransferGroup {
        group: GroupId,
        /// The new owner (must be a member).
        to: UserId,
    },
    /// Mute a member for `minutes` (0 unmutes) (owner or admin; admins may only
    /// mute plain members). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    MuteMember {
        group: GroupId,
        /// Whom.
        user: UserId,
        /// How long (at most 43,200 = 30 days); 0 lifts the mute.
        minutes: u32,
    },
    /// Turn whole-group mute on or off (owner or admin). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    MuteAll {
        group: GroupId,
        /// On or off.
        muted: bool,
    },

    // ---- settings that follow me across devices ----
    /// Change my settings of a conversation I am in (pin, mute, archive,
    /// draft, clear history). → `ConvSettings`
    #[allow(missing_docs)] // fields named by what they hold
    EditConv {
        conv: ConversationId,
        /// What to change.
        edit: ConvEdit,
    },
    /// My settings of every conversation where they are not the defaults. → `ConvSettingsList`
    GetConvSettings,
    /// My account-wide notification settings. → `Settings`
    GetSettings,
    /// Replace my account-wide notification settings. → `Settings`
    #[allow(missing_docs)] // fields named by what they hold
    SetSettings { settings: AccountSettings },

    // ---- chat rooms ----
    /// Open rooms, a page at a time by id (after `after`). → `Rooms`
    ListRooms {
        /// Rooms after this id (absent: from the first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<RoomId>,
        /// Page size (≤ `max_page`, default 100).
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Create a room owned by me; I join it. → `Room`
    CreateRoom {
        /// Display name (1 to 64 characters).
        name: String,
    },
    /// Join a room (unless banned or full); get the last messages it keeps.
    /// Joining again is fine. → `RoomJoined`
    #[allow(missing_docs)] // fields named by what they hold
    JoinRoom { room: RoomId },
    /// Leave a room (its owner may too; it stays). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    LeaveRoom { room: RoomId },
    /// Send a message to the room's current members (I must be one). → `RoomSent`
    #[allow(missing_docs)] // fields named by what they hold
    RoomSend {
        room: RoomId,
        /// What it says (same rules as `send`).
        content: Content,
    },
    /// The room's current members, by id, a page at a time (members only). → `RoomMembers`
    #[allow(missing_docs)] // fields named by what they hold
    RoomMembers {
        room: RoomId,
        /// Members after this id (absent: from the first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<UserId>,
        /// Page size (≤ `max_page`, default 100).
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Remove a member and ban them for `ban_secs` seconds (0: no ban)
    /// (owner or admin; admins only plain members). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    RoomKick {
        room: RoomId,
        /// Whom.
        user: UserId,
        /// How long they may not rejoin, in seconds (at most 2,592,000 = 30 days).
        #[serde(default)]
        ban_secs: u32,
    },
    /// Mute a member for `minutes` (0 unmutes) (owner or admin; admins only
    /// plain members). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    RoomMute {
        room: RoomId,
        /// Whom.
        user: UserId,
        /// How long (at most 43,200); 0 lifts the mute.
        minutes: u32,
    },
    /// Make a member an admin (`admin: true`) or a plain member (owner only). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    SetRoomAdmin {
        room: RoomId,
        /// Whom (a member).
        user: UserId,
        /// Admin or not.
        admin: bool,
    },
    /// Delete the room for everyone (owner only). → `Done`
    #[allow(missing_docs)] // fields named by what they hold
    DeleteRoom { room: RoomId },
}

impl Request {
    /// Every `cmd` name this version knows, in declaration order: `decode` uses
    /// it to tell an unknown command (`UnknownCommand`) from a known one with a
    /// bad field (`InvalidArgument`), and the protocol doc test checks each is
    /// documented. A unit test keeps it equal to serde's tags and to [`Request::name`].
    pub const NAMES: &'static [&'static str] = <Self as strum::VariantNames>::VARIANTS;

    /// The `cmd` name, for logs.
    pub fn name(&self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests;
