//! Per-group interest on the bus (TERN_TEST_DATABASE; a real nats-server and
//! three in-process nodes): a node receives a group's traffic only while one
//! of the group's members is connected to it, subscribes when a local user
//! joins (before their `group_joined` push, so the next message is pushed),
//! stops when the last local member leaves, and a group event to all members
//! is one publish, not one per member. Counted with `/metrics`
//! (`tern_bus_received_total`, `tern_bus_published_total`). A node whose
//! link to NATS is slow still pushes what follows a login or a join: it waits
//! until nats-server has the subscription, not only until it was written.

use crate::cluster_support;
use crate::common;
use crate::groups_support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cluster_support::{node, node_config};
use common::cluster::Nats;
use common::*;
use groups_support::{change_where, create, gsend};
use tern_proto::{Change, Platform, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The value of counter `name` on node `addr`'s `/metrics`.
async fn metric(addr: SocketAddr, name: &str) -> u64 {
    let text = http_client()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics:\n{text}")) as u64
}

/// Counter `name` once it has not moved for 300 ms (at most 10 s).
async fn settled(addr: SocketAddr, name: &str) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = metric(addr, name).await;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = metric(addr, name).await;
        if now == last || Instant::now() > deadline {
            return now;
        }
        last = now;
    }
}

async fn user_on(addr: SocketAddr, name: &str) -> Client {
    let mut c = Client::greeted(addr).await;
    let _ = c.request(register(name)).await;
    c.login(name, name, Platform::Desktop).await.unwrap();
    c
}

const RECEIVED: &str = "tern_bus_received_total";
const PUBLISHED: &str = "tern_bus_published_total";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_receives_a_group_s_traffic_only_while_a_member_is_connected_to_it() {
    if !on_postgres() {
        return; // a cluster needs PostgreSQL
    }
    let dir = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    let n1 = node(dir.path(), &nats, "n1").await;
    let n2 = node(dir.path(), &nats, "n2").await;
    let n3 = node(dir.path(), &nats, "n3").await;
    let mut alice = user_on(n1.addr(), "alice").await;
    let mut bob = user_on(n1.addr(), "bob").await;
    let mut carol = user_on(n1.addr(), "carol").await;
    let mut dave = user_on(n3.addr(), "dave").await;
    let g = create(&mut alice, "all on n1", &["bob", "carol"], None)
        .await
        .group;
    for c in [&mut bob, &mut carol] {
        change_where(c, |ch| matches!(ch, Change::GroupJoined { .. })).await;
    }

    // 20 messages and a group event, all members on n1: n2 and n3 receive nothing.
    let (r2, r3) = (
        settled(n2.addr(), RECEIVED).await,
        settled(n3.addr(), RECEIVED).await,
    );
    for i in 0..20 {
        gsend(&mut alice, &g, &format!("m{i}"), "to n1 only").await;
    }
    assert_eq!(bob.messages(20).await.len(), 20);
    assert_eq!(carol.messages(20).await.len(), 20);
    let p1 = settled(n1.addr(), PUBLISHED).await;
    alice
        .ok(Request::UpdateGroup {
            group: g.clone(),
            name: Some("renamed".into()),
            avatar: None,
            notice: None,
            join_policy: None,
            history_visible: None,
            read_by: None,
        })
        .await;
    for c in [&mut bob, &mut carol] {
        change_where(c, |ch| matches!(ch, Change::GroupInfoChanged { .. })).await;
    }
    let published = settled(n1.addr(), PUBLISHED).await - p1;
    println!("interest: a group event to 3 members cost {published} publish(es)");
    assert_eq!(
        published, 1,
        "one publish for the group event, not one per member"
    );
    let got2 = settled(n2.addr(), RECEIVED).await - r2;
    let got3 = settled(n3.addr(), RECEIVED).await - r3;
    println!(
        "interest: 20 messages + 1 event to a group on n1: n2 received {got2}, n3 received {got3}"
    );
    assert_eq!(
        (got2, got3),
        (0, 0),
        "nodes without members got group traffic"
    );

    // Dave (on n3) is invited: n3 subscribes before his group_joined push, so
    // the message sent right after it reaches him as a push.
    alice
        .ok(Request::InviteMembers {
            group: g.clone(),
            users: vec![uid("dave")],
        })
        .await;
    change_where(&mut dave, |ch| matches!(ch, Change::GroupJoined { .. })).await;
    gsend(&mut alice, &g, "j1", "dave is here").await;
    let m = dave.messages(1).await;
    assert_eq!(m[0].client_id.as_str(), "j1");
    assert_eq!(bob.messages(1).await[0].client_id.as_str(), "j1");
    assert!(
        settled(n3.addr(), RECEIVED).await > r3,
        "n3 follows the group now"
    );

    // Dave leaves: n3 has no member left and stops receiving the group.
    dave.ok(Request::LeaveGroup { group: g.clone() }).await;
    for c in [&mut bob, &mut carol] {
        change_where(c, |ch| matches!(ch, Change::GroupMemberLeft { .. })).await;
    }
    let r3 = settled(n3.addr(), RECEIVED).await;
    for i in 0..5 {
        gsend(&mut alice, &g, &format!("after{i}"), "dave left").await;
    }
    assert_eq!(bob.messages(5).await.len(), 5);
    let got3 = settled(n3.addr(), RECEIVED).await - r3;
    assert_eq!(
        got3, 0,
        "n3 still received the group after its last member left"
    );

    // Carol disconnects and reconnects on n2: n2 subscribes at her login
    // (before she reads her backlog) and gets the group's next message.
    drop(carol);
    let mut carol = Client::greeted(n2.addr()).await;
    carol.login("carol", "m", Platform::Mobile).await.unwrap();
    let r2 = settled(n2.addr(), RECEIVED).await;
    gsend(&mut alice, &g, "c1", "carol on n2").await;
    let m = carol.messages(1).await;
    assert_eq!(m[0].client_id.as_str(), "c1");
    assert!(settled(n2.addr(), RECEIVED).await > r2);
    for n in [n1, n2, n3] {
        n.shutdown().await;
    }
}

/// A relay to `nats` for one node that holds every byte from the node for
/// `delay` (in order) and passes nats-server's bytes at once: a node whose
/// operations reach nats-server late. Returns the URL to give the node.
async fn slow_link(nats: &Nats, delay: Duration) -> String {
    let upstream = nats.url().trim_start_matches("nats://").to_string();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("nats://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((node, _)) = listener.accept().await {
            let server = TcpStream::connect(&upstream).await.unwrap();
            let (mut node_r, mut node_w) = node.into_split();
            let (mut server_r, mut server_w) = server.into_split();
            tokio::spawn(async move { tokio::io::copy(&mut server_r, &mut node_w).await });
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65_536];
                while let Ok(n @ 1..) = node_r.read(&mut buf).await {
                    let _ = tx.send((Instant::now() + delay, buf[..n].to_vec()));
                }
            });
            tokio::spawn(async move {
                while let Some((at, bytes)) = rx.recv().await {
                    tokio::time::sleep_until(at.into()).await;
                    if server_w.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_link_to_nats_delays_the_login_and_the_join_not_the_pushes_after_them() {
    if !on_postgres() {
        return; // a cluster needs PostgreSQL
    }
    let dir = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    let n1 = node(dir.path(), &nats, "n1").await;
    let mut slow = node_config(dir.path(), &nats, "n2");
    slow.bus = Some(slow_link(&nats, Duration::from_millis(400)).await);
    let n2 = tern_server::spawn(slow).await.unwrap();
    let mut alice = user_on(n1.addr(), "alice").await;
    // Dave's login on n2 is answered once nats-server has his subject, so a
    // group created right after it reaches him...
    let t = Instant::now();
    let mut dave = user_on(n2.addr(), "dave").await;
    println!("slow link: dave's login took {:?}", t.elapsed());
    let g = create(&mut alice, "slow", &["dave"], None).await.group;
    change_where(&mut dave, |ch| matches!(ch, Change::GroupJoined { .. })).await;
    // ...and his group_joined push comes once nats-server has the group's
    // subject, so the message sent right after it is pushed too.
    gsend(&mut alice, &g, "s1", "right after the join").await;
    let m = dave.messages(1).await;
    assert_eq!(m[0].client_id.as_str(), "s1");
    for n in [n1, n2] {
        n.shutdown().await;
    }
}
