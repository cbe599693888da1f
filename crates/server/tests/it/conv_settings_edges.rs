//! Conversation settings at the edges (issue 18): pins made at the same time
//! on two devices each get their own order (one user's edits are serialised:
//! SQLite's single writer; on PostgreSQL the per-user stripe and the lock on
//! the user's row), and deleting an account deletes its settings. Runs on SQLite and, with `scripts/test-postgres.sh`, on PostgreSQL.

use crate::admin_support;
use crate::common;

use admin_support::Admin;
use common::*;
use tern_proto::{AccountSettings, ConvEdit, ConversationId, Platform, Request, Response};

async fn own_group(c: &mut Client, name: &str) -> ConversationId {
    let Response::Group { group } = c
        .ok(Request::CreateGroup {
            name: name.into(),
            members: vec![],
            join_policy: None,
        })
        .await
    else {
        panic!()
    };
    ConversationId::Group(group.group)
}

fn pin(conv: &ConversationId) -> Request {
    Request::EditConv {
        conv: conv.clone(),
        edit: ConvEdit::Pin { order: None },
    }
}

#[tokio::test]
async fn concurrent_pins_on_two_devices_get_distinct_orders() {
    let server = admin_support::start().await;
    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let mut convs = Vec::new();
    for i in 0..16 {
        convs.push(own_group(&mut a1, &format!("g{i}")).await);
    }
    let (left, right) = convs.split_at(8);
    let (r1, r2) = tokio::join!(
        a1.pipeline(left.iter().map(pin).collect()),
        a2.pipeline(right.iter().map(pin).collect()),
    );
    assert!(r1.iter().chain(&r2).all(Result::is_ok), "{r1:?} {r2:?}");
    let Response::ConvSettingsList { settings } = a1.ok(Request::GetConvSettings).await else {
        panic!()
    };
    let mut orders: Vec<i64> = settings.iter().map(|s| s.pinned.unwrap()).collect();
    orders.sort_unstable();
    assert_eq!(orders, (1..=16).collect::<Vec<_>>(), "{settings:?}");

    // Deleting the account deletes its settings.
    a1.ok(Request::SetSettings {
        settings: AccountSettings {
            sound: false,
            ..AccountSettings::default()
        },
    })
    .await;
    let rows = "SELECT (SELECT COUNT(*) FROM conv_settings WHERE user_id = 'alice')
                     + (SELECT COUNT(*) FROM account_settings WHERE user_id = 'alice')";
    assert_eq!(server.count(rows).await, 17);
    let admin = Admin::new(&server);
    assert_eq!(admin.delete("/admin/users/alice").await.status, 200);
    assert_eq!(server.count(rows).await, 0);
}

/// Attack: fill the disk with drafts. A one-to-one chat is named by any
/// existing user id, started or not, so one account could keep an 8,000-
/// character draft (and a change-log entry) for every user on the server.
/// Chats not started yet are capped at `MAX_UNSTARTED_CHATS` (1,000).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_for_chats_not_started_yet_are_capped() {
    use tern_proto::settings::MAX_UNSTARTED_CHATS;
    let server = admin_support::start().await;
    let mut alice = server.user("alice").await;
    let n = MAX_UNSTARTED_CHATS as usize;
    let mut reg = Client::greeted(server.addr()).await;
    for chunk in (0..=n).collect::<Vec<_>>().chunks(200) {
        let reqs = chunk.iter().map(|i| register(&format!("u{i}"))).collect();
        for r in reg.pipeline(reqs).await {
            r.unwrap();
        }
    }
    let draft = |peer: &str| Request::EditConv {
        conv: dm("alice", peer),
        edit: ConvEdit::Draft {
            text: "hi".into(),
            edited_at: 1_700_000_000_000,
        },
    };
    for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
        let reqs = chunk.iter().map(|i| draft(&format!("u{i}"))).collect();
        for r in alice.pipeline(reqs).await {
            r.unwrap();
        }
    }
    let e = alice.err(draft(&format!("u{n}"))).await;
    assert_eq!(e.code, tern_proto::ErrorCode::InvalidArgument, "{e:?}");
    assert!(e.message.contains("not started yet"), "{e:?}");
    // One already kept may change; a chat with a message is not counted.
    alice.ok(draft("u0")).await;
    alice
        .ok(text_msg(&dm("alice", &format!("u{n}")), "m1", "hello"))
        .await;
    alice.ok(draft(&format!("u{n}"))).await;
    // Groups are not counted.
    let g = own_group(&mut alice, "mine").await;
    alice
        .ok(Request::EditConv {
            conv: g,
            edit: ConvEdit::Pin { order: None },
        })
        .await;
}
