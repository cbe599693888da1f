//! The one error type on the wire: a stable numeric code plus a human message.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A stable error code. The numbers never change meaning; new codes are only added.
///
/// Ranges: 1xxx frame/request shape, 2xxx authentication, 3xxx users and
/// relations, 4xxx messages and conversations, 5xxx server side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type), specta(type = u16))]
#[non_exhaustive]
pub enum ErrorCode {
    /// The frame is not valid JSON or not a JSON object with `id` and `req`.
    BadFrame,
    /// `req.cmd` names no known command.
    UnknownCommand,
    /// A field is missing, has the wrong type, or holds an illegal value.
    InvalidArgument,
    /// The frame, message or text exceeds a size limit.
    TooLarge,
    /// The connection sent requests faster than its rate limit allows.
    RateLimited,
    /// The client's protocol version is not supported by this server.
    VersionMismatch,
    /// The first request on a connection must be `hello`.
    HandshakeRequired,
    /// The request needs an authenticated session (login or resume first).
    Unauthenticated,
    /// Wrong user id or password.
    BadCredentials,
    /// The token's expiry time has passed; log in again.
    TokenExpired,
    /// The token is malformed, forged or revoked (logout, kick, password change).
    TokenInvalid,
    /// Registration with a user id that is taken.
    UserExists,
    /// The session is already authenticated.
    AlreadyAuthenticated,
    /// The user, application or other target does not exist.
    NotFound,
    /// The recipient has blocked the sender.
    Blocked,
    /// The users are already friends.
    AlreadyFriends,
    /// The action needs a friendship (e.g. chat when the server requires friends).
    NotFriends,
    /// The action targets oneself where that makes no sense (befriend yourself).
    SelfTarget,
    /// The user is already a member of that group.
    AlreadyMember,
    /// The user is not allowed to do this (not a member, not the owner, ...).
    Forbidden,
    /// The recall window of this message has passed.
    RecallWindowExpired,
    /// The sender is muted in this conversation.
    Muted,
    /// A `send` named in `after` a message of the sender that is not stored
    /// (yet); send that one first. Transient: retry in order.
    OutOfOrder,
    /// The group has reached its member limit.
    GroupFull,
    /// The target is the reserved `system` account, which only sends notices:
    /// messages, typing indicators and friend applications to it are refused.
    SystemAccount,
    /// `sync_changes` from a version older than what the server still keeps
    /// (the change log was compacted): take a snapshot (friends, applications,
    /// blacklist, groups) and continue from the latest version.
    SnapshotRequired,
    /// The server's moderation hook (a before-webhook) refused the request;
    /// the message is its reason, to show to the user.
    Rejected,
    /// `edit` after the server's edit window (`limits.edit_window_secs`) has passed.
    EditWindowExpired,
    /// `edit` of a message that cannot be edited: not text, or recalled.
    NotEditable,
    /// `edit` of a message someone else sent: only its sender may edit it.
    NotSender,
    /// A `send` whose `reply_to` names no message of that conversation that the
    /// sender can read.
    BadReply,
    /// A `react` would give the message more distinct emoji than the server's
    /// `max_reactions_per_message` allows.
    TooManyReactions,
    /// A `pin` in a conversation that already has `max_pins` pinned messages.
    TooManyPins,
    /// The action needs the group's owner or an admin (e.g. `pin` in a group);
    /// a plain member's role does not allow it.
    NotManager,
    /// `read_by` in a group whose owner or admins turned it off.
    ReadByOff,
    /// A `send` whose `mentions` the server refuses: a mention outside a group
    /// conversation, a mentioned user who is not a member of the group, or more
    /// than `max_mentions` users.
    BadMention,
    /// A `send` mentioning `@all` (`mentions.all`) by a plain member: only the
    /// group's owner and admins may mention everyone.
    MentionAllNotAllowed,
    /// A `forward` naming a message the forwarder cannot read: not a member of
    /// its conversation, missing, recalled, hidden from them, or a system notice.
    BadForward,
    /// A `forward` over the server's caps (messages per forward, targets per
    /// forward, messages created by a one-by-one forward, nesting of chat histories).
    ForwardLimit,
    /// A chat-room request (send, members, kick, mute, leave) from someone who
    /// has not joined that room (or dropped out of it).
    NotInRoom,
    /// `join_room` while kicked from the room with a ban that has not ended.
    RoomBanned,
    /// `join_room` into a room that has the server's `room_max_members`.
    RoomFull,
    /// `create_room` by someone who already owns `rooms_per_owner` rooms.
    TooManyRooms,
    /// `room_send` faster than the server's `room_messages_per_minute`.
    RoomRateLimited,
    /// An unexpected server-side failure; the request may be retried.
    Internal,
    /// The server is shutting down; reconnect later.
    ShuttingDown,
    /// The server's database is temporarily unreachable: the request was not
    /// carried out (or, for a send, may have been: resend it with the same
    /// client id); retry later.
    Unavailable,
    /// A code this client version does not know.
    Unknown(u16),
}

impl ErrorCode {
    /// Every known code, for documentation and tests.
    pub const ALL: [ErrorCode; 47] = [
        Self::BadFrame,
        Self::UnknownCommand,
        Self::InvalidArgument,
        Self::TooLarge,
        Self::RateLimited,
        Self::VersionMismatch,
        Self::HandshakeRequired,
        Self::Unauthenticated,
        Self::BadCredentials,
        Self::TokenExpired,
        Self::TokenInvalid,
        Self::UserExists,
        Self::AlreadyAuthenticated,
        Self::NotFound,
        Self::Blocked,
        Self::AlreadyFriends,
        Self::NotFriends,
        Self::SelfTarget,
        Self::AlreadyMember,
        Self::Forbidden,
        Self::RecallWindowExpired,
        Self::Muted,
        Self::OutOfOrder,
        Self::GroupFull,
        Self::SystemAccount,
        Self::SnapshotRequired,
        Self::Rejected,
        Self::EditWindowExpired,
        Self::NotEditable,
        Self::NotSender,
        Self::BadReply,
        Self::TooManyReactions,
        Self::TooManyPins,
        Self::NotManager,
        Self::ReadByOff,
        Self::BadMention,
        Self::MentionAllNotAllowed,
        Self::BadForward,
        Self::ForwardLimit,
        Self::NotInRoom,
        Self::RoomBanned,
        Self::RoomFull,
        Self::TooManyRooms,
        Self::RoomRateLimited,
        Self::Internal,
        Self::ShuttingDown,
        Self::Unavailable,
    ];

    /// The stable number sent on the wire.
    pub fn as_u16(self) -> u16 {
        match self {
            Self::BadFrame => 1000,
            Self::UnknownCommand => 1001,
            Self::InvalidArgument => 1002,
            Self::TooLarge => 1003,
            Self::RateLimited => 1004,
            Self::VersionMismatch => 1005,
            Self::HandshakeRequired => 1006,
            Self::Unauthenticated => 2000,
            Self::BadCredentials => 2001,
            Self::TokenExpired => 2002,
            Self::TokenInvalid => 2003,
            Self::UserExists => 2004,
            Self::AlreadyAuthenticated => 2005,
            Self::NotFound => 3000,
            Self::Blocked => 3001,
            Self::AlreadyFriends => 3002,
            Self::NotFriends => 3003,
            Self::SelfTarget => 3004,
            Self::AlreadyMember => 3005,
            Self::Forbidden => 4000,
            Self::RecallWindowExpired => 4001,
            Self::Muted => 4002,
            Self::OutOfOrder => 4003,
            Self::GroupFull => 4004,
            Self::SystemAccount => 4005,
            Self::SnapshotRequired => 4006,
            Self::Rejected => 4007,
            Self::EditWindowExpired => 4008,
            Self::NotEditable => 4009,
            Self::NotSender => 4010,
            Self::BadReply => 4011,
            Self::TooManyReactions => 4012,
            Self::TooManyPins => 4013,
            Self::NotManager => 4014,
            Self::ReadByOff => 4015,
            Self::BadMention => 4016,
            Self::MentionAllNotAllowed => 4017,
            Self::BadForward => 4018,
            Self::ForwardLimit => 4019,
            Self::NotInRoom => 4020,
            Self::RoomBanned => 4021,
            Self::RoomFull => 4022,
            Self::TooManyRooms => 4023,
            Self::RoomRateLimited => 4024,
            Self::Internal => 5000,
            Self::ShuttingDown => 5001,
            Self::Unavailable => 5002,
            Self::Unknown(n) => n,
        }
    }

    /// The code for a wire number (unknown numbers are kept as [`ErrorCode::Unknown`]).
    pub fn from_u16(n: u16) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.as_u16() == n)
            .unwrap_or(Self::Unknown(n))
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.as_u16())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::from_u16(u16::deserialize(d)?))
    }
}

/// An error as sent on the wire: `{"code": 3001, "message": "bob has blocked you"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("{message} (code {})", code.as_u16())]
pub struct WireError {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation, specific to this failure.
    pub message: String,
}

impl WireError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// An id failed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {reason}")]
pub struct IdError {
    /// Which kind of id ("user id", "conversation id", ...).
    pub kind: &'static str,
    /// What was wrong with it.
    pub reason: &'static str,
}

impl From<IdError> for WireError {
    fn from(e: IdError) -> Self {
        WireError::new(ErrorCode::InvalidArgument, e.to_string())
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_u16())
    }
}
