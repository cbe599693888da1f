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
