//! Reactions in tern-core (issue 17): bob and alice react to a message; each
//! online client gets `ReactionsChanged` live; alice's second device, closed
//! meanwhile, catches up from the reaction log on sign-in; all three caches
//! end with the same counts and who reacted.

use crate::common;

use common::*;
use tern_core::proto::{DeviceId, Reaction};
use tern_core::{Client, Event};

fn summary(r: &[Reaction]) -> Vec<(String, u32, Vec<String>)> {
    r.iter()
        .map(|r| {
            let users = r.users.iter().map(|u| u.to_string()).collect();
            (r.emoji.clone(), r.count, users)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_converge_on_online_clients_and_an_offline_device() {
    let (dir, server, (alice, mut a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let mut cfg = fast_config(dir.path().join("alice-tablet"), server.addr());
    cfg.device = Some(DeviceId::new("tablet").unwrap());
    let tablet = Client::new(cfg).unwrap();
    let mut t_rx = tablet.subscribe();
    tablet.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut t_rx, |e| matches!(e, Event::SyncFinished { .. })).await;

    let m = alice.send_text(&conv, "release on Friday").await.unwrap();
    let seq = m.seq.unwrap();
    wait_for(&mut t_rx, |e| matches!(e, Event::NewMessage { .. })).await;
    let token = tablet.token().unwrap();
    tablet.close().await;

    let after_bob = bob.react(&conv, seq, "👍", true).await.unwrap();
    assert_eq!(
        summary(&after_bob),
        vec![("👍".into(), 1, vec!["bob".into()])]
    );
    let e = wait_for(&mut a_rx, |e| matches!(e, Event::ReactionsChanged { .. })).await;
    let Event::ReactionsChanged { reactions, .. } = e else {
        unreachable!()
    };
    assert_eq!(reactions, after_bob);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    alice.react(&conv, seq, "👍", true).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    alice.react(&conv, seq, "🎉", true).await.unwrap();
    bob.react(&conv, seq, "🎉", true).await.unwrap();
    let last = alice.react(&conv, seq, "🎉", false).await.unwrap();
    let want = vec![
        (
            "👍".to_string(),
            2,
            vec!["bob".to_string(), "alice".to_string()],
        ),
        ("🎉".to_string(), 1, vec!["bob".to_string()]),
    ];
    assert_eq!(summary(&last), want);
    wait_for(
        &mut b_rx,
        |e| matches!(e, Event::ReactionsChanged { reactions, .. } if summary(reactions) == want),
    )
    .await;

    // The tablet comes back: one catch-up brings the current list.
    let mut t_rx = tablet.subscribe();
    tablet
        .login_with_token(&uid("alice"), &token)
        .await
        .unwrap();
    let mut seen = None;
    loop {
        match wait_for(&mut t_rx, |_| true).await {
            Event::ReactionsChanged { reactions, .. } => seen = Some(summary(&reactions)),
            Event::SyncFinished { .. } => break,
            _ => {}
        }
    }
    assert_eq!(seen, Some(want.clone()));
    for (who, c) in [("alice", &alice), ("bob", &bob), ("tablet", &tablet)] {
        assert_eq!(
            summary(&c.reactions(&conv, seq).await.unwrap()),
            want,
            "{who}"
        );
    }
    // A second resync announces nothing new.
    tablet.resync().await.unwrap();
    let again = drain(&mut t_rx, std::time::Duration::from_millis(300)).await;
    assert!(
        !again
            .iter()
            .any(|e| matches!(e, Event::ReactionsChanged { .. })),
        "{again:?}"
    );
    for c in [alice, bob, tablet] {
        c.close().await;
    }
    server.shutdown().await;
}
