//! Every command decodes from a sample, and its names agree with serde's tags.

use super::*;

/// One valid request of every command.
const SAMPLES: &[&str] = &[
    r#"{"cmd":"hello","version":1}"#,
    r#"{"cmd":"ping"}"#,
    r#"{"cmd":"register","user":"a","password":"p"}"#,
    r#"{"cmd":"login","user":"a","password":"p","platform":"web","device":"d"}"#,
    r#"{"cmd":"resume","token":"t","platform":"web","device":"d"}"#,
    r#"{"cmd":"logout"}"#,
    r#"{"cmd":"change_password","old_password":"a","new_password":"b"}"#,
    r#"{"cmd":"sign_out_others"}"#,
    r#"{"cmd":"get_profiles","users":["a"]}"#,
    r#"{"cmd":"set_profile"}"#,
    r#"{"cmd":"search_users","query":"a"}"#,
    r#"{"cmd":"apply_friend","to":"b"}"#,
    r#"{"cmd":"list_received_applications"}"#,
    r#"{"cmd":"list_sent_applications"}"#,
    r#"{"cmd":"accept_friend","from":"b"}"#,
    r#"{"cmd":"refuse_friend","from":"b"}"#,
    r#"{"cmd":"delete_friend","user":"b"}"#,
    r#"{"cmd":"set_remark","user":"b","remark":"r"}"#,
    r#"{"cmd":"get_friends"}"#,
    r#"{"cmd":"check_friends","users":["b"]}"#,
    r#"{"cmd":"search_friends","query":"b"}"#,
    r#"{"cmd":"block","user":"b"}"#,
    r#"{"cmd":"unblock","user":"b"}"#,
    r#"{"cmd":"list_blocked"}"#,
    r#"{"cmd":"get_presence","users":["b"]}"#,
    r#"{"cmd":"sync_changes","since":0}"#,
    r#"{"cmd":"send","conv":"d:a:b","client_id":"c","content":{"type":"text","text":"x"}}"#,
    r#"{"cmd":"forward","client_id":"f","from":"d:a:b","seqs":[1],"to":["g:g1"]}"#,
    r#"{"cmd":"conversations"}"#,
    r#"{"cmd":"pull","conv":"d:a:b","from":1,"to":2}"#,
    r#"{"cmd":"history","conv":"d:a:b"}"#,
    r#"{"cmd":"mark_read","conv":"d:a:b","seq":1}"#,
    r#"{"cmd":"recall","conv":"d:a:b","seq":1}"#,
    r#"{"cmd":"recalls","conv":"d:a:b"}"#,
    r#"{"cmd":"edit","conv":"d:a:b","seq":1,"text":"x"}"#,
    r#"{"cmd":"edits","conv":"d:a:b"}"#,
    r#"{"cmd":"react","conv":"d:a:b","seq":1,"emoji":"👍","on":true}"#,
    r#"{"cmd":"reactions","conv":"d:a:b"}"#,
    r#"{"cmd":"read_by","conv":"g:g1","seq":1}"#,
    r#"{"cmd":"pin","conv":"d:a:b","seq":1,"on":true}"#,
    r#"{"cmd":"get_pins","conv":"d:a:b"}"#,
    r#"{"cmd":"typing","conv":"d:a:b"}"#,
    r#"{"cmd":"create_group","name":"g"}"#,
    r#"{"cmd":"get_groups"}"#,
    r#"{"cmd":"get_group_info","group":"g1"}"#,
    r#"{"cmd":"update_group","group":"g1"}"#,
    r#"{"cmd":"get_group_members","group":"g1"}"#,
    r#"{"cmd":"invite_members","group":"g1","users":["b"]}"#,
    r#"{"cmd":"join_group","group":"g1"}"#,
    r#"{"cmd":"list_group_applications","group":"g1"}"#,
    r#"{"cmd":"accept_group_application","group":"g1","user":"b"}"#,
    r#"{"cmd":"refuse_group_application","group":"g1","user":"b"}"#,
    r#"{"cmd":"leave_group","group":"g1"}"#,
    r#"{"cmd":"kick_member","group":"g1","user":"b"}"#,
    r#"{"cmd":"dismiss_group","group":"g1"}"#,
    r#"{"cmd":"set_member_role","group":"g1","user":"b","role":"admin"}"#,
    r#"{"cmd":"transfer_group","group":"g1","to":"b"}"#,
    r#"{"cmd":"mute_member","group":"g1","user":"b","minutes":1}"#,
    r#"{"cmd":"mute_all","group":"g1","muted":true}"#,
    r#"{"cmd":"edit_conv","conv":"d:a:b","edit":{"op":"unpin"}}"#,
    r#"{"cmd":"get_conv_settings"}"#,
    r#"{"cmd":"get_settings"}"#,
    r#"{"cmd":"set_settings","settings":{"notifications":true,"show_text":true,"sound":true}}"#,
    r#"{"cmd":"list_rooms"}"#,
    r#"{"cmd":"create_room","name":"r"}"#,
    r#"{"cmd":"join_room","room":"r1"}"#,
    r#"{"cmd":"leave_room","room":"r1"}"#,
    r#"{"cmd":"room_send","room":"r1","content":{"type":"text","text":"x"}}"#,
    r#"{"cmd":"room_members","room":"r1"}"#,
    r#"{"cmd":"room_kick","room":"r1","user":"b","ban_secs":300}"#,
    r#"{"cmd":"room_mute","room":"r1","user":"b","minutes":5}"#,
    r#"{"cmd":"set_room_admin","room":"r1","user":"b","admin":true}"#,
    r#"{"cmd":"delete_room","room":"r1"}"#,
];

#[test]
fn names_agree_with_name_and_with_serde() {
    // Every variant serde knows (its "expected one of" list) is in NAMES, in order.
    let err = serde_json::from_str::<Request>(r#"{"cmd":"no_such_command"}"#)
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
    assert_eq!(expected, Request::NAMES, "serde's variants vs NAMES");
    // Each name decodes to a request whose `name()` is that name.
    let names: Vec<&str> = SAMPLES
        .iter()
        .map(|s| {
            let req: Request = serde_json::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            let cmd = serde_json::to_value(&req).unwrap()["cmd"].clone();
            assert_eq!(cmd, req.name(), "{s}");
            assert_eq!(
                req.info().cmd,
                req.name(),
                "{s}: its row of the command table"
            );
            req.name()
        })
        .collect();
    assert_eq!(names, Request::NAMES, "a sample per command, in order");
    let mut unique = Request::NAMES.to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), Request::NAMES.len(), "no name twice");
}
