//! The command table: every [`Request`] variant as a struct of its fields,
//! with the [`super::reply`] kind that answers it. The fields are documented
//! on the `Request` variant of the same name (`into_request` builds that
//! variant from them, so the compiler keeps both lists equal).

use serde_json::Value;

use crate::ids::{ClientMsgId, ConversationId, DeviceId, FileId, GroupId, RoomId, Seq, UserId};
use crate::model::{Content, GroupRole, JoinPolicy, Platform};
use crate::settings::{AccountSettings, ConvEdit};
use crate::Request;

commands! {
    "hello" Hello { version: u32 } => Hello;
    "ping" Ping {} => Pong;
    "register" Register { user: UserId, password: String } => Done;
    "login" Login { user: UserId, password: String, platform: Platform, device: DeviceId } => Session;
    "resume" Resume { token: String, platform: Platform, device: DeviceId } => Session;
    "logout" Logout {} => Done;
    "change_password" ChangePassword { old_password: String, new_password: String } => Done;
    "sign_out_others" SignOutOthers {} => Done;
    "get_profiles" GetProfiles { users: Vec<UserId> } => Profiles;
    "set_profile" SetProfile { nickname: Option<String>, avatar: Option<FileId>, signature: Option<String> } => Profile;
    "search_users" SearchUsers { query: String } => Profiles;
    "apply_friend" ApplyFriend { to: UserId, greeting: String } => Done;
    "list_received_applications" ListReceivedApplications {} => Applications;
    "list_sent_applications" ListSentApplications {} => Applications;
    "accept_friend" AcceptFriend { from: UserId } => Done;
    "refuse_friend" RefuseFriend { from: UserId } => Done;
    "delete_friend" DeleteFriend { user: UserId } => Done;
    "set_remark" SetRemark { user: UserId, remark: String } => Done;
    "get_friends" GetFriends { users: Option<Vec<UserId>> } => Friends;
    "check_friends" CheckFriends { users: Vec<UserId> } => FriendCheck;
    "search_friends" SearchFriends { query: String } => Friends;
    "block" Block { user: UserId } => Done;
    "unblock" Unblock { user: UserId } => Done;
    "list_blocked" ListBlocked {} => Blocked;
    "get_presence" GetPresence { users: Vec<UserId> } => Presence;
    "sync_changes" SyncChanges { since: u64, limit: Option<u32> } => Changes;
    "send" Send { conv: ConversationId, client_id: ClientMsgId, content: Content, ext: Option<Value>, after: Option<ClientMsgId>, reply_to: Option<Seq>, mentions: Option<crate::Mentions> } => Sent;
    "forward" Forward { client_id: ClientMsgId, from: ConversationId, seqs: Vec<Seq>, to: Vec<ConversationId>, merged: bool, title: Option<String> } => Forwarded;
    "conversations" Conversations {} => Conversations;
    "pull" Pull { conv: ConversationId, from: Seq, to: Seq, limit: Option<u32> } => Messages;
    "history" History { conv: ConversationId, before: Option<Seq>, limit: Option<u32> } => Messages;
    "mark_read" MarkRead { conv: ConversationId, seq: Seq } => Done;
    "recall" Recall { conv: ConversationId, seq: Seq } => Done;
    "recalls" Recalls { conv: ConversationId, since: u64, limit: Option<u32> } => Recalls;
    "edit" Edit { conv: ConversationId, seq: Seq, text: String } => Edited;
    "edits" Edits { conv: ConversationId, since: u64, limit: Option<u32> } => Edits;
    "react" React { conv: ConversationId, seq: Seq, emoji: String, on: bool } => MessageReactions;
    "reactions" Reactions { conv: ConversationId, since: u64, limit: Option<u32> } => ReactionLog;
    "read_by" ReadBy { conv: ConversationId, seq: Seq, after: Option<UserId>, limit: Option<u32> } => ReadBy;
    "pin" Pin { conv: ConversationId, seq: Seq, on: bool } => Pins;
    "get_pins" GetPins { conv: ConversationId } => Pins;
    "typing" Typing { conv: ConversationId } => Done;
    "create_group" CreateGroup { name: String, members: Vec<UserId>, join_policy: Option<JoinPolicy> } => Group;
    "get_groups" GetGroups {} => Groups;
    "get_group_info" GetGroupInfo { group: GroupId } => Group;
    "update_group" UpdateGroup { group: GroupId, name: Option<String>, avatar: Option<FileId>, notice: Option<String>, join_policy: Option<JoinPolicy>, history_visible: Option<bool>, read_by: Option<bool> } => Group;
    "get_group_members" GetGroupMembers { group: GroupId } => GroupMembers;
    "invite_members" InviteMembers { group: GroupId, users: Vec<UserId> } => Done;
    "join_group" JoinGroup { group: GroupId, message: String } => GroupJoin;
    "list_group_applications" ListGroupApplications { group: GroupId } => GroupApplications;
    "accept_group_application" AcceptGroupApplication { group: GroupId, user: UserId } => Done;
    "refuse_group_application" RefuseGroupApplication { group: GroupId, user: UserId } => Done;
    "leave_group" LeaveGroup { group: GroupId } => Done;
    "kick_member" KickMember { group: GroupId, user: UserId } => Done;
    "dismiss_group" DismissGroup { group: GroupId } => Done;
    "set_member_role" SetMemberRole { group: GroupId, user: UserId, role: GroupRole } => Done;
    "transfer_group" TransferGroup { group: GroupId, to: UserId } => Done;
    "mute_member" MuteMember { group: GroupId, user: UserId, minutes: u32 } => Done;
    "mute_all" MuteAll { group: GroupId, muted: bool } => Done;
    "edit_conv" EditConv { conv: ConversationId, edit: ConvEdit } => ConvSettings;
    "get_conv_settings" GetConvSettings {} => ConvSettingsList;
    "get_settings" GetSettings {} => Settings;
    "set_settings" SetSettings { settings: AccountSettings } => Settings;
    "list_rooms" ListRooms { after: Option<RoomId>, limit: Option<u32> } => Rooms;
    "create_room" CreateRoom { name: String } => Room;
    "join_room" JoinRoom { room: RoomId } => RoomJoined;
    "leave_room" LeaveRoom { room: RoomId } => Done;
    "room_send" RoomSend { room: RoomId, content: Content } => RoomSent;
    "room_members" RoomMembers { room: RoomId, after: Option<UserId>, limit: Option<u32> } => RoomMembers;
    "room_kick" RoomKick { room: RoomId, user: UserId, ban_secs: u32 } => Done;
    "room_mute" RoomMute { room: RoomId, user: UserId, minutes: u32 } => Done;
    "set_room_admin" SetRoomAdmin { room: RoomId, user: UserId, admin: bool } => Done;
    "delete_room" DeleteRoom { room: RoomId } => Done;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{reply, Command, TABLE};
    use crate::Response;

    #[test]
    fn the_table_has_every_command_in_order() {
        let names: Vec<&str> = TABLE.iter().map(|c| c.cmd).collect();
        assert_eq!(names, Request::NAMES);
        for c in TABLE {
            assert!(reply::KINDS.contains(&c.answer), "{}: {}", c.cmd, c.answer);
        }
    }

    #[test]
    fn a_command_builds_its_request_and_reads_its_answer() {
        let cmd = GetGroupInfo {
            group: GroupId::new("g1").unwrap(),
        };
        let req = cmd.clone().into_request();
        assert_eq!(req.name(), GetGroupInfo::NAME);
        assert_eq!(req.info().answer, "group");
        assert_eq!(Ping {}.into_request(), Request::Ping);
        let err = GetGroupInfo::from_response(Response::Done).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected answer to get_group_info: expected group, got done"
        );
        assert_eq!(Logout::from_response(Response::Done), Ok(reply::Done {}));
    }
}
