//! Pins in tern-core (issue 17): alice and bob pin in their chat; the online
//! peer gets `PinsChanged` live; alice's second device, closed meanwhile, learns
//! the list on sign-in (the conversation's pin version is ahead); all caches agree.

use crate::common;

use common::*;
use tern_core::proto::{DeviceId, Pin};
use tern_core::{Client, Event};

fn seqs(p: &[Pin]) -> Vec<(u64, String)> {
    p.iter().map(|p| (p.seq.0, p.by.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pins_converge_on_online_clients_and_an_offline_device() {
    let (dir, server, (alice, mut a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let mut cfg = fast_config(dir.path().join("alice-tablet"), server.addr());
    cfg.device = Some(DeviceId::new("tablet").unwrap());
    let tablet = Client::new(cfg).unwrap();
    let mut t_rx = tablet.subscribe();
    tablet.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut t_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let first = alice
        .send_text(&conv, "the plan")
        .await
        .unwrap()
        .seq
        .unwrap();
    let second = alice
        .send_text(&conv, "the date")
        .await
        .unwrap()
        .seq
        .unwrap();
    wait_for(
        &mut t_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.seq == Some(second)),
    )
    .await;
    let token = tablet.token().unwrap();
    tablet.close().await;

    alice.pin(&conv, first, true).await.unwrap();
    wait_for(&mut b_rx, |e| matches!(e, Event::PinsChanged { .. })).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let now = bob.pin(&conv, second, true).await.unwrap();
    let want = vec![
        (second.0, "bob".to_string()),
        (first.0, "alice".to_string()),
    ];
    assert_eq!(seqs(&now), want);
    wait_for(
        &mut a_rx,
        |e| matches!(e, Event::PinsChanged { pins, .. } if pins.len() == 2),
    )
    .await;

    let mut t_rx = tablet.subscribe();
    tablet
        .login_with_token(&uid("alice"), &token)
        .await
        .unwrap();
    let mut seen = None;
    loop {
        match wait_for(&mut t_rx, |_| true).await {
            Event::PinsChanged { pins, .. } => seen = Some(seqs(&pins)),
            Event::SyncFinished { .. } => break,
            _ => {}
        }
    }
    assert_eq!(seen, Some(want.clone()));
    for (who, c) in [("alice", &alice), ("bob", &bob), ("tablet", &tablet)] {
        assert_eq!(seqs(&c.pins(&conv).await.unwrap()), want, "{who}");
    }
    tablet.resync().await.unwrap();
    let again = drain(&mut t_rx, std::time::Duration::from_millis(300)).await;
    assert!(
        !again.iter().any(|e| matches!(e, Event::PinsChanged { .. })),
        "{again:?}"
    );
    for c in [alice, bob, tablet] {
        c.close().await;
    }
    server.shutdown().await;
}
