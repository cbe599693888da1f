//! One struct per [`Response`] kind, with the variant's fields: the
//! [`crate::command::Command::Output`] of the commands it answers. The field
//! meanings are documented on the `Response` variant of the same name.

use crate::ids::{ConversationId, MsgId, RoomId, Seq, UserId};
use crate::model::{
    ConversationInfo, EditEntry, Friend, FriendApplication, GroupApplication, GroupInfo,
    GroupMember, Limits, Message, MessageReactions as Reacted, Millis, Pin, Profile as Prof,
    Reaction, RecallEntry, VersionedChange,
};
use crate::rooms::{RoomInfo, RoomMember, RoomMessage};
use crate::settings::{AccountSettings, ConvSettings as ConvSet};
use crate::{ForwardResult, Response};

replies! {
    "hello" Hello { version: u32, server: String, limits: Limits }
    "pong" Pong { now: Millis }
    "done" Done {}
    "session" Session { token: String, expires_at: Millis, profile: Prof, version: u64 }
    "profile" Profile { profile: Prof }
    "profiles" Profiles { profiles: Vec<Prof> }
    "applications" Applications { applications: Vec<FriendApplication> }
    "friends" Friends { friends: Vec<Friend> }
    "friend_check" FriendCheck { friends: Vec<UserId> }
    "blocked" Blocked { users: Vec<UserId> }
    "presence" Presence { online: Vec<UserId> }
    "changes" Changes { changes: Vec<VersionedChange>, latest: u64 }
    "sent" Sent { conv: ConversationId, seq: Seq, id: MsgId, sent_at: Millis, duplicate: bool }
    "conversations" Conversations { conversations: Vec<ConversationInfo> }
    "messages" Messages { messages: Vec<Message> }
    "recalls" Recalls { latest: u64, recalls: Vec<RecallEntry> }
    "edited" Edited { edited_at: Millis }
    "edits" Edits { latest: u64, edits: Vec<EditEntry> }
    "message_reactions" MessageReactions { seq: Seq, reactions: Vec<Reaction> }
    "reaction_log" ReactionLog { latest: u64, messages: Vec<Reacted> }
    "read_by" ReadBy {
        seq: Seq,
        read_count: u32,
        unread_count: u32,
        read: Vec<UserId>,
        unread: Vec<UserId>,
        next: Option<UserId>,
    }
    "forwarded" Forwarded { results: Vec<ForwardResult> }
    "pins" Pins { conv: ConversationId, pins: Vec<Pin> }
    "group" Group { group: GroupInfo }
    "groups" Groups { groups: Vec<GroupInfo> }
    "group_members" GroupMembers { members: Vec<GroupMember> }
    "group_join" GroupJoin { joined: bool }
    "group_applications" GroupApplications { applications: Vec<GroupApplication> }
    "conv_settings" ConvSettings { settings: ConvSet }
    "conv_settings_list" ConvSettingsList { settings: Vec<ConvSet> }
    "settings" Settings { settings: AccountSettings }
    "rooms" Rooms { rooms: Vec<RoomInfo> }
    "room" Room { room: RoomInfo }
    "room_joined" RoomJoined { room: RoomInfo, recent: Vec<RoomMessage> }
    "room_sent" RoomSent { room: RoomId, seq: u64, sent_at: Millis }
    "room_members" RoomMembers { members: Vec<RoomMember>, next: Option<UserId> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_agree_with_serde() {
        // serde's "expected one of" list names every `kind`, in order.
        let err = serde_json::from_str::<Response>(r#"{"kind":"no_such_kind"}"#)
            .unwrap_err()
            .to_string();
        let expected: Vec<&str> = err
            .split("expected one of ")
            .nth(1)
            .unwrap_or_else(|| panic!("{err}"))
            .split(", ")
            .map(|s| s.trim_matches(|c: char| c == '`' || c.is_whitespace()))
            .map(|s| s.split('`').next().unwrap())
            .collect();
        assert_eq!(expected, KINDS);
        // `kind()` gives the tag serde writes.
        let res = Response::GroupJoin { joined: true };
        assert_eq!(serde_json::to_value(&res).unwrap()["kind"], res.kind());
    }

    #[test]
    fn a_reply_takes_its_kind_and_gives_back_others() {
        use crate::command::Reply;
        let got = GroupJoin::from_response(Response::GroupJoin { joined: true });
        assert_eq!(got, Ok(GroupJoin { joined: true }));
        assert_eq!(Done::from_response(Response::Done), Ok(Done {}));
        let other = Done::from_response(Response::GroupJoin { joined: false });
        assert_eq!(other, Err(Box::new(Response::GroupJoin { joined: false })));
    }
}
