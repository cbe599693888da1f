//! Fan-out: a 200-member group with every member online on one or two devices
//! (300 connections); several members send interleaved, pipelined messages.
//! Every device gets every message exactly once, in the group's seq order
//! (gap-free), and all devices agree on which message has which seq.

use crate::common;
use crate::groups_support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{Client, TestServer};
use groups_support::*;
use tern_proto::{GroupId, Platform, Push, Response};

const MEMBERS: usize = 200;
/// Members 0..TWO_DEVICES are online on two devices, the rest on one.
const TWO_DEVICES: usize = 100;
/// Senders (member indexes) and how many messages each sends.
const SENDERS: [usize; 4] = [0, 1, 150, 199];
const PER_SENDER: usize = 25;
/// Sends pipelined per round trip.
const BURST: usize = 3;
const TIMEOUT: Duration = Duration::from_secs(120);

fn name(i: usize) -> String {
    format!("m{i:03}")
}

/// What one device saw: (seq, sender, client id) in arrival order, plus the
/// seqs its own sends were acked with.
struct Seen {
    device: String,
    received: Vec<(u64, String, String)>,
    acked: Vec<(u64, String, String)>,
    duplicates_after: usize,
}

async fn receive(mut c: Client, device: String, g: GroupId, expect: usize) -> Seen {
    let conv = gconv(&g);
    let mut received = Vec::with_capacity(expect);
    while received.len() < expect {
        match c.push().await {
            Push::Message { message } if message.conv == conv => received.push((
                message.seq.0,
                message.sender.to_string(),
                message.client_id.to_string(),
            )),
            _ => {}
        }
    }
    let late = c.drain_pushes(Duration::from_millis(500)).await;
    let duplicates_after = late
        .iter()
        .filter(|p| matches!(p, Push::Message { .. }))
        .count();
    Seen {
        device,
        received,
        acked: Vec::new(),
        duplicates_after,
    }
}

async fn send_then_receive(
    mut c: Client,
    device: String,
    g: GroupId,
    me: String,
    total: usize,
    go: std::sync::Arc<tokio::sync::Barrier>,
) -> Seen {
    go.wait().await;
    // Small pipelined bursts, so the senders' messages interleave in the group.
    let mut acked = Vec::with_capacity(PER_SENDER);
    for burst in (0..PER_SENDER).collect::<Vec<_>>().chunks(BURST) {
        let reqs = burst
            .iter()
            .map(|k| gtext(&g, &format!("{me}-{k}"), &format!("{me} says {k}")))
            .collect();
        for (k, r) in burst.iter().zip(c.pipeline(reqs).await) {
            match r {
                Ok(Response::Sent { seq, .. }) => {
                    acked.push((seq.0, me.clone(), format!("{me}-{k}")))
                }
                other => panic!("{device}: send {k} answered {other:?}"),
            }
        }
    }
    let mut seen = receive(c, device, g, total - PER_SENDER).await;
    seen.acked = acked;
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_member_group_fans_out_every_message_once_in_order_to_300_devices() {
    let server = TestServer::start_with(|c| {
        c.push_queue = 4096;
        c.max_connections = 10_000;
        c.read_pool = 8;
    })
    .await;
    // Log everyone in (second devices of the first TWO_DEVICES members too).
    let mut devices: Vec<(String, usize, Client)> = Vec::new();
    for i in 0..MEMBERS {
        devices.push((format!("{}-dev", name(i)), i, server.user(&name(i)).await));
        if i < TWO_DEVICES {
            let phone = server.device(&name(i), "phone", Platform::Mobile).await;
            devices.push((format!("{}-phone", name(i)), i, phone));
        }
    }
    let others: Vec<String> = (1..MEMBERS).map(name).collect();
    let refs: Vec<&str> = others.iter().map(String::as_str).collect();
    let owner = &mut devices[0].2;
    let g = create(owner, "Two hundred", &refs, None).await;
    assert_eq!(g.member_count as usize, MEMBERS);

    let total = SENDERS.len() * PER_SENDER;
    let go = std::sync::Arc::new(tokio::sync::Barrier::new(SENDERS.len() + 1));
    let n_devices = devices.len();
    let mut tasks = Vec::with_capacity(n_devices);
    for (device, member, client) in devices {
        let g = g.group.clone();
        // The senders send from their first device (the "-dev" one).
        let is_sender = SENDERS.contains(&member) && device.ends_with("-dev");
        tasks.push(if is_sender {
            tokio::spawn(send_then_receive(
                client,
                device,
                g,
                name(member),
                total,
                go.clone(),
            ))
        } else {
            tokio::spawn(receive(client, device, g, total))
        });
    }
    let started = Instant::now();
    go.wait().await;
    let mut seen = Vec::with_capacity(n_devices);
    for t in tasks {
        seen.push(
            tokio::time::timeout(TIMEOUT, t)
                .await
                .expect("a device did not get every message in time")
                .expect("device task panicked"),
        );
    }
    let elapsed = started.elapsed();

    // Every device: arrivals strictly increasing in seq; arrivals plus own
    // acks are exactly 1..=total; every device agrees on each seq's message.
    let mut canon: HashMap<u64, (String, String)> = HashMap::new();
    let (mut deliveries, mut duplicates, mut missing) = (0usize, 0usize, 0usize);
    for s in &seen {
        deliveries += s.received.len();
        duplicates += s.duplicates_after;
        assert!(
            s.received.windows(2).all(|w| w[0].0 < w[1].0),
            "{}: pushes out of seq order: {:?}",
            s.device,
            s.received.iter().map(|r| r.0).collect::<Vec<_>>()
        );
        let mut all: Vec<&(u64, String, String)> = s.received.iter().chain(&s.acked).collect();
        all.sort();
        let seqs: Vec<u64> = all.iter().map(|r| r.0).collect();
        let want: Vec<u64> = (1..=total as u64).collect();
        if seqs != want {
            let dup = seqs.len().saturating_sub(want.len());
            duplicates += dup;
            missing += want.iter().filter(|q| !seqs.contains(q)).count();
        }
        for (seq, sender, cid) in all {
            let prev = canon.insert(*seq, (sender.clone(), cid.clone()));
            assert!(
                prev.is_none_or(|p| p == (sender.clone(), cid.clone())),
                "{}: seq {seq} differs between devices",
                s.device
            );
        }
    }
    // The senders really interleaved (not one block after another).
    let mut order: Vec<(u64, String)> = canon
        .iter()
        .map(|(q, (sender, _))| (*q, sender.clone()))
        .collect();
    order.sort();
    let switches = order.windows(2).filter(|w| w[0].1 != w[1].1).count();
    println!(
        "fanout: members={MEMBERS} devices={n_devices} messages={total} deliveries={deliveries} \
         duplicates={duplicates} missing={missing} sender_switches={switches} elapsed={}ms",
        elapsed.as_millis()
    );
    assert_eq!((duplicates, missing), (0, 0));
    assert_eq!(n_devices, MEMBERS + TWO_DEVICES);
    assert_eq!(deliveries, n_devices * total - SENDERS.len() * PER_SENDER);
    assert_eq!(canon.len(), total);
    server.stop().await;
}
