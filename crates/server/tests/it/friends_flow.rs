//! The whole friend flow between two users with two devices each: every change
//! reaches every device of every user it concerns; a device that was offline
//! catches up from the change log with exactly what it missed; presence.

use crate::common;

use std::time::Duration;

use common::*;
use tern_proto::{
    ApplicationState, Change, Platform, Push, Request, Response, UserId, VersionedChange,
};

/// Next change-log push (presence pushes are skipped).
async fn change(c: &mut Client) -> VersionedChange {
    match c.push_where(|p| matches!(p, Push::Change(_))).await {
        Push::Change(v) => v,
        _ => unreachable!(),
    }
}

/// Asserts that every client's next change satisfies `pred`; returns them.
async fn all_get(
    clients: &mut [&mut Client],
    pred: impl Fn(&Change) -> bool,
) -> Vec<VersionedChange> {
    let mut out = Vec::new();
    for c in clients.iter_mut() {
        let v = change(c).await;
        assert!(pred(&v.change), "unexpected change {v:?}");
        out.push(v);
    }
    out
}

fn kind(c: &Change) -> &'static str {
    match c {
        Change::FriendApplicationAdded { .. } => "application_added",
        Change::FriendApplicationAccepted { .. } => "application_accepted",
        Change::FriendApplicationRefused { .. } => "application_refused",
        Change::FriendAdded { .. } => "friend_added",
        Change::FriendDeleted { .. } => "friend_deleted",
        Change::FriendInfoChanged { .. } => "friend_info_changed",
        Change::BlackAdded { .. } => "black_added",
        Change::BlackDeleted { .. } => "black_deleted",
        Change::ProfileChanged { .. } => "profile_changed",
        _ => "other",
    }
}

fn friend_ids(res: Response) -> Vec<UserId> {
    match res {
        Response::Friends { friends } => friends.into_iter().map(|f| f.profile.user).collect(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn friend_flow_reaches_every_device_and_offline_devices_catch_up() {
    let server = TestServer::start().await;
    // Bob's tablet logs in, notes its version, and goes offline.
    let mut tablet = server.device("bob", "tablet", Platform::Mobile).await;
    let tablet_token = tablet.token.clone().unwrap();
    let Response::Changes {
        latest: tablet_version,
        ..
    } = tablet
        .ok(Request::SyncChanges {
            since: 0,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    drop(tablet);

    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let mut b1 = server.device("bob", "b1", Platform::Desktop).await;
    let mut b2 = server.device("bob", "b2", Platform::Web).await;

    // Apply.
    let apply = Request::ApplyFriend {
        to: uid("bob"),
        greeting: "hi bob, it's alice".into(),
    };
    assert_eq!(a1.ok(apply).await, Response::Done);
    let got = all_get(&mut [&mut a1, &mut a2, &mut b1, &mut b2], |c| {
        matches!(c, Change::FriendApplicationAdded { application } if application.greeting == "hi bob, it's alice")
    })
    .await;
    assert_eq!(
        got[0].version, got[1].version,
        "alice's devices see the same version"
    );
    let Response::Applications { applications } = b2.ok(Request::ListReceivedApplications).await
    else {
        panic!()
    };
    assert_eq!(applications.len(), 1);
    assert_eq!(
        (applications[0].from.as_str(), applications[0].state),
        ("alice", ApplicationState::Pending)
    );
    let Response::Applications { applications } = a2.ok(Request::ListSentApplications).await else {
        panic!()
    };
    assert_eq!(applications[0].to, uid("bob"));

    // Accept: the application is accepted and both become friends, on every device.
    assert_eq!(
        b2.ok(Request::AcceptFriend { from: uid("alice") }).await,
        Response::Done
    );
    all_get(&mut [&mut a1, &mut a2, &mut b1, &mut b2], |c| {
        matches!(c, Change::FriendApplicationAccepted { .. })
    })
    .await;
    all_get(
        &mut [&mut a1, &mut a2],
        |c| matches!(c, Change::FriendAdded { friend } if friend.profile.user == uid("bob")),
    )
    .await;
    all_get(
        &mut [&mut b1, &mut b2],
        |c| matches!(c, Change::FriendAdded { friend } if friend.profile.user == uid("alice")),
    )
    .await;
    assert_eq!(
        friend_ids(a1.ok(Request::GetFriends { users: None }).await),
        vec![uid("bob")]
    );
    assert_eq!(
        friend_ids(b1.ok(Request::GetFriends { users: None }).await),
        vec![uid("alice")]
    );
    let check = Request::CheckFriends {
        users: vec![uid("bob"), uid("carol")],
    };
    assert_eq!(
        a2.ok(check).await,
        Response::FriendCheck {
            friends: vec![uid("bob")]
        }
    );
    assert_eq!(
        a1.err_code(Request::ApplyFriend {
            to: uid("bob"),
            greeting: String::new()
        })
        .await,
        tern_proto::ErrorCode::AlreadyFriends
    );

    // Remark: private to alice's devices.
    assert_eq!(
        a1.ok(Request::SetRemark {
            user: uid("bob"),
            remark: "Bobby Tables".into()
        })
        .await,
        Response::Done
    );
    all_get(
        &mut [&mut a1, &mut a2],
        |c| matches!(c, Change::FriendInfoChanged { friend } if friend.remark == "Bobby Tables"),
    )
    .await;
    assert_eq!(
        friend_ids(
            a2.ok(Request::SearchFriends {
                query: "tables".into()
            })
            .await
        ),
        vec![uid("bob")]
    );
    assert_eq!(
        friend_ids(
            a2.ok(Request::SearchFriends {
                query: "zzz".into()
            })
            .await
        ),
        vec![]
    );

    // Bob's profile change: his devices get profile_changed, alice's friend_info_changed.
    let set = Request::SetProfile {
        nickname: Some("The Builder".into()),
        avatar: None,
        signature: Some("yes we can".into()),
    };
    assert!(matches!(b1.ok(set).await, Response::Profile { .. }));
    all_get(
        &mut [&mut b1, &mut b2],
        |c| matches!(c, Change::ProfileChanged { profile } if profile.nickname == "The Builder"),
    )
    .await;
    all_get(&mut [&mut a1, &mut a2], |c| {
        matches!(c, Change::FriendInfoChanged { friend } if friend.profile.nickname == "The Builder" && friend.remark == "Bobby Tables")
    })
    .await;
    assert_eq!(
        friend_ids(
            a1.ok(Request::SearchFriends {
                query: "builder".into()
            })
            .await
        ),
        vec![uid("bob")]
    );
    let Response::Profiles { profiles } = a1
        .ok(Request::SearchUsers {
            query: "Build".into(),
        })
        .await
    else {
        panic!()
    };
    assert_eq!(profiles.len(), 1);

    // Delete is one-way.
    assert_eq!(
        a2.ok(Request::DeleteFriend { user: uid("bob") }).await,
        Response::Done
    );
    all_get(
        &mut [&mut a1, &mut a2],
        |c| matches!(c, Change::FriendDeleted { user } if *user == uid("bob")),
    )
    .await;
    assert_eq!(
        friend_ids(a1.ok(Request::GetFriends { users: None }).await),
        vec![]
    );
    assert_eq!(
        friend_ids(b1.ok(Request::GetFriends { users: None }).await),
        vec![uid("alice")]
    );
    assert!(b1
        .drain_pushes(Duration::from_millis(200))
        .await
        .iter()
        .all(|p| !matches!(p, Push::Change(_))));

    // Refuse: alice asks again, bob refuses; all four devices hear it.
    assert_eq!(
        a1.ok(Request::ApplyFriend {
            to: uid("bob"),
            greeting: "again".into()
        })
        .await,
        Response::Done
    );
    all_get(&mut [&mut a1, &mut a2, &mut b1, &mut b2], |c| {
        matches!(c, Change::FriendApplicationAdded { .. })
    })
    .await;
    assert_eq!(
        b1.ok(Request::RefuseFriend { from: uid("alice") }).await,
        Response::Done
    );
    all_get(&mut [&mut a1, &mut a2, &mut b1, &mut b2], |c| {
        matches!(c, Change::FriendApplicationRefused { .. })
    })
    .await;
    assert_eq!(
        b1.err_code(Request::AcceptFriend { from: uid("alice") })
            .await,
        tern_proto::ErrorCode::NotFound,
        "a refused application cannot be accepted"
    );

    // The tablet comes back and catches up with exactly what bob's devices saw.
    let Response::Changes {
        changes: online_log,
        ..
    } = b1
        .ok(Request::SyncChanges {
            since: tablet_version,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    let mut tablet = Client::greeted(server.addr()).await;
    tablet.resume(&tablet_token).await.unwrap();
    let mut caught_up = Vec::new();
    let mut since = tablet_version;
    loop {
        let Response::Changes { changes, latest } = tablet
            .ok(Request::SyncChanges {
                since,
                limit: Some(2),
            })
            .await
        else {
            panic!()
        };
        assert!(changes.len() <= 2, "pages respect the limit");
        if let Some(last) = changes.last() {
            since = last.version;
        }
        caught_up.extend(changes);
        if since >= latest {
            break;
        }
    }
    assert_eq!(caught_up, online_log);
    let kinds: Vec<_> = caught_up.iter().map(|v| kind(&v.change)).collect();
    assert_eq!(
        kinds,
        [
            "application_added",
            "application_accepted",
            "friend_added",
            "profile_changed",
            "application_added",
            "application_refused"
        ]
    );
    let versions: Vec<u64> = caught_up.iter().map(|v| v.version).collect();
    assert!(
        versions.windows(2).all(|w| w[1] == w[0] + 1),
        "gap-free: {versions:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn friends_see_each_other_go_online_and_offline() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    alice
        .ok(Request::ApplyFriend {
            to: uid("bob"),
            greeting: String::new(),
        })
        .await;
    bob.ok(Request::AcceptFriend { from: uid("alice") }).await;
    drop(bob);
    let p = alice
        .push_where(|p| matches!(p, Push::Presence { .. }))
        .await;
    assert_eq!(
        p,
        Push::Presence {
            user: uid("bob"),
            online: false
        }
    );
    let _bob = server.user("bob").await;
    let p = alice
        .push_where(|p| matches!(p, Push::Presence { .. }))
        .await;
    assert_eq!(
        p,
        Push::Presence {
            user: uid("bob"),
            online: true
        }
    );
    server.stop().await;
}
