//! A database made with an earlier release's schema (a dump checked in under
//! tests/data) opens under the current server: its migrations run to the head
//! and every row is still there, readable through the protocol.

use crate::common;

use common::{dm, uid, Client};
use tern_proto::{Content, ConversationId, DeviceId, GroupId, Platform, Request, Response, Seq};

const DUMP: &str = include_str!("../data/schema-v9.sql");
const GROUP: &str = "9d3bf285ffe0a5bb";

async fn login(addr: std::net::SocketAddr, user: &str) -> Client {
    let mut c = Client::greeted(addr).await;
    let res = c
        .request(Request::Login {
            user: uid(user),
            password: format!("password-{user}"),
            platform: Platform::Desktop,
            device: DeviceId::new(format!("{user}-upgrade")).unwrap(),
        })
        .await
        .expect("the dump's password still works");
    let Response::Session { profile, .. } = res else {
        panic!("login: {res:?}")
    };
    assert_eq!(profile.nickname, format!("{user} 你好"));
    c
}

fn texts(res: Response) -> Vec<String> {
    let Response::Messages { messages } = res else {
        panic!("{res:?}")
    };
    messages
        .into_iter()
        .map(|m| match m.content {
            Content::Text { text } | Content::System { text } => text,
            other => format!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_schema_v9_database_upgrades_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = rusqlite::Connection::open(dir.path().join("tern.db")).unwrap();
        db.execute_batch(DUMP).unwrap();
    }
    // A SQLite upgrade, whichever backend the rest of the suite runs on.
    let mut config = tern_server::Config::for_tests(dir.path());
    config.database = tern_server::config::Database::DefaultSqlite;
    let server = tern_server::spawn(config).await.unwrap();
    let addr = server.addr();

    let mut alice = login(addr, "alice").await;
    let history = alice
        .ok(Request::History {
            conv: dm("alice", "bob"),
            before: None,
            limit: None,
        })
        .await;
    assert_eq!(texts(history), ["hi alice", "hello bob 你好"]);
    let Response::Groups { groups } = alice.ok(Request::GetGroups).await else {
        panic!()
    };
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "Team 团队");
    assert_eq!(groups[0].member_count, 3);

    let mut carol = login(addr, "carol").await;
    let group = ConversationId::Group(GroupId::new(GROUP).unwrap());
    let pulled = carol
        .ok(Request::Pull {
            conv: group.clone(),
            from: Seq(1),
            to: Seq(1),
            limit: None,
        })
        .await;
    assert_eq!(texts(pulled), ["group hello"]);
    let notice = carol
        .ok(Request::History {
            conv: dm("carol", "system"),
            before: None,
            limit: None,
        })
        .await;
    assert_eq!(texts(notice), ["maintenance tonight"]);

    // New writes continue the old sequences: the next message in the group is seq 2.
    let sent = carol
        .ok(common::text_msg(&group, "after-upgrade", "still here"))
        .await;
    let Response::Sent { seq, .. } = sent else {
        panic!("{sent:?}")
    };
    assert_eq!(seq, Seq(2));
    // The duplicate check survived the rebuild of the messages table (SQLite
    // migration 18): a resend of alice's message from the dump is its original, and
    // a new message continues the ids.
    let resent = alice
        .ok(common::text_msg(
            &dm("alice", "bob"),
            "c1",
            "hello bob 你好",
        ))
        .await;
    let Response::Sent {
        seq, id, duplicate, ..
    } = resent
    else {
        panic!("{resent:?}")
    };
    assert!(duplicate, "a resend of a stored client id");
    assert_eq!((seq, id.0), (Seq(1), 1));
    let fresh = alice
        .ok(common::text_msg(&dm("alice", "bob"), "c9", "new"))
        .await;
    let Response::Sent { id, duplicate, .. } = fresh else {
        panic!("{fresh:?}")
    };
    assert!(!duplicate);
    assert!(
        id.0 > 5,
        "ids continue past the dump's and the group send's: {id:?}"
    );
    server.shutdown().await;

    let db = rusqlite::Connection::open(dir.path().join("tern.db")).unwrap();
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let head = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count() as i64;
    assert_eq!(version, head, "migrated to the newest migration file");
}
