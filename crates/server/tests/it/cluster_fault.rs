//! The fault run of a cluster (on PostgreSQL, TERN_TEST_DATABASE): three
//! `tern-server` processes on one database and one nats-server, twelve
//! clients spread over them, each chatting one-to-one with its partner and in
//! one group of all twelve. Mid-stream one node is SIGKILLed (its clients fail
//! over to the next node and resend what was not acknowledged, with the same
//! client ids), the nats-server is restarted once, and the killed node is
//! started again. Afterwards every acknowledged message is stored exactly once,
//! every conversation is gap-free and every member reads it in the same order.

use crate::cluster_support;
use crate::common;
use crate::groups_support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cluster_support::Proc;
use common::cluster::Nats;
use common::*;
use futures_util::{SinkExt, StreamExt};
use tern_proto::{
    ClientFrame, ConversationId, DeviceId, Platform, Push, ReqId, Request, Response, ServerFrame,
};
use tokio_tungstenite::tungstenite::Message as Ws;

const CLIENTS: usize = 12;
const EACH: usize = 25;
const NODES: usize = 3;

/// Counters shared by the clients and the conductor.
#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    acked: AtomicU64,
    failovers: AtomicU64,
    pushed: AtomicU64,
}

/// A minimal client that survives its server dying: every failure is an `Err`.
struct Link {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    next: u64,
}

type R<T> = Result<T, String>;

impl Link {
    async fn open(addr: SocketAddr, user: &str) -> R<Link> {
        let (ws, _) = tokio::time::timeout(
            Duration::from_secs(3),
            tokio_tungstenite::connect_async(format!("ws://{addr}/ws")),
        )
        .await
        .map_err(|_| "connect timeout".to_string())?
        .map_err(|e| e.to_string())?;
        let mut l = Link { ws, next: 0 };
        l.call(
            Request::Hello {
                version: tern_proto::PROTOCOL_VERSION,
            },
            None,
        )
        .await?;
        l.call(
            Request::Login {
                user: uid(user),
                password: PASSWORD.into(),
                platform: Platform::Desktop,
                device: DeviceId::new(format!("{user}-d")).unwrap(),
            },
            None,
        )
        .await?;
        Ok(l)
    }

    /// Sends `req`, returns its answer; pushes read meanwhile are counted.
    async fn call(&mut self, req: Request, pushed: Option<&AtomicU64>) -> R<Response> {
        self.next += 1;
        let id = ReqId(self.next);
        self.ws
            .send(Ws::text(ClientFrame { id, req }.encode()))
            .await
            .map_err(|e| e.to_string())?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .map_err(|_| "response timeout".to_string())?
                .ok_or("closed")?
                .map_err(|e| e.to_string())?;
            let Ws::Text(t) = msg else { continue };
            match ServerFrame::decode(t.as_str()).map_err(|e| format!("{e:?}"))? {
                ServerFrame::Ok { id: got, res } if got == id => return Ok(res),
                ServerFrame::Err { id: Some(got), err } if got == id => {
                    return Err(format!("{err}"))
                }
                ServerFrame::Push {
                    push: Push::Message { .. },
                } => {
                    if let Some(p) = pushed {
                        p.fetch_add(1, Relaxed);
                    }
                }
                _ => {}
            }
        }
    }
}

/// One client: sends `EACH` messages into each of `convs`, failing over to the
/// next node on any error and resending the same client id until acknowledged.
async fn chat(
    i: usize,
    convs: Vec<ConversationId>,
    addrs: Arc<Mutex<Vec<SocketAddr>>>,
    tally: Arc<Tally>,
) -> BTreeMap<String, u64> {
    let user = format!("u{i}");
    let mut node = i % NODES;
    let mut link: Option<Link> = None;
    let mut acked = BTreeMap::new();
    for j in 0..EACH {
        for (k, conv) in convs.iter().enumerate() {
            let client_id = format!("{user}-{k}-{j}");
            tally.sent.fetch_add(1, Relaxed);
            for attempt in 0.. {
                assert!(attempt < 200, "{client_id} never acknowledged");
                if link.is_none() {
                    let addr = addrs.lock().unwrap()[node];
                    match Link::open(addr, &user).await {
                        Ok(l) => link = Some(l),
                        Err(_) => {
                            node = (node + 1) % NODES;
                            tally.failovers.fetch_add(1, Relaxed);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    }
                }
                let l = link.as_mut().unwrap();
                match l
                    .call(text_msg(conv, &client_id, "x"), Some(&tally.pushed))
                    .await
                {
                    Ok(Response::Sent { seq, .. }) => {
                        acked.insert(client_id.clone(), seq.0);
                        tally.acked.fetch_add(1, Relaxed);
                        break;
                    }
                    // Unavailable, a dead socket, a timeout: another node, same client id.
                    Ok(_) | Err(_) => {
                        link = None;
                        node = (node + 1) % NODES;
                        tally.failovers.fetch_add(1, Relaxed);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        }
    }
    acked
}

async fn wait_acked(tally: &Tally, n: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while tally.acked.load(Relaxed) < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "stalled at {}",
            tally.acked.load(Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_one_killed_and_the_bus_restarted_lose_and_duplicate_nothing() {
    if !on_postgres() {
        return; // a cluster needs PostgreSQL (scripts/test-postgres.sh, scripts/test-cluster.sh)
    }
    let dir = tempfile::tempdir().unwrap();
    let mut nats = Nats::start();
    let mut procs: Vec<Proc> = (1..=NODES)
        .map(|n| Proc::start(dir.path(), &nats, &format!("n{n}")))
        .collect();
    let addrs = Arc::new(Mutex::new(procs.iter().map(|p| p.addr).collect::<Vec<_>>()));
    let name = |i: usize| format!("u{i}");
    for i in 0..CLIENTS {
        let mut c = Client::greeted(procs[i % NODES].addr).await;
        c.ok(register(&name(i))).await;
    }
    // Connected after the sign-ups (argon2 in a debug build on a loaded
    // machine), so its 15 s to log in are not spent waiting for them.
    let mut owner = Client::greeted(procs[0].addr).await;
    owner.login("u0", "setup", Platform::Web).await.unwrap();
    let members: Vec<String> = (1..CLIENTS).map(name).collect();
    let refs: Vec<&str> = members.iter().map(String::as_str).collect();
    let group = groups_support::create(&mut owner, "all", &refs, None)
        .await
        .group;
    let g = groups_support::gconv(&group);

    let tally = Arc::new(Tally::default());
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let convs = vec![dm(&name(i & !1), &name(i | 1)), g.clone()];
            tokio::spawn(chat(i, convs, addrs.clone(), tally.clone()))
        })
        .collect();
    let total = (CLIENTS * EACH * 2) as u64;
    wait_acked(&tally, total / 4).await;
    procs[2].kill();
    wait_acked(&tally, total / 2).await;
    nats.restart();
    wait_acked(&tally, 3 * total / 4).await;
    procs[2] = Proc::start(dir.path(), &nats, "n3");
    addrs.lock().unwrap()[2] = procs[2].addr;
    let mut acked: BTreeMap<String, u64> = BTreeMap::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }

    // Every member reads every conversation of theirs from some node.
    let mut convs: BTreeMap<ConversationId, Vec<Vec<String>>> = BTreeMap::new();
    let mut delivered = 0u64;
    for i in 0..CLIENTS {
        let mut c = Client::greeted(procs[i % NODES].addr).await;
        c.login(&name(i), "reader", Platform::Mobile).await.unwrap();
        for conv in [dm(&name(i & !1), &name(i | 1)), g.clone()] {
            let (msgs, _) = c.pull_all(&conv, 1, u64::MAX >> 1, 500).await;
            let seqs: Vec<u64> = msgs.iter().map(|m| m.seq.0).collect();
            assert_eq!(
                seqs,
                (1..=msgs.len() as u64).collect::<Vec<_>>(),
                "{conv} gap-free"
            );
            let ids: Vec<String> = msgs
                .iter()
                .filter(|m| m.sender.as_str() != "system")
                .map(|m| m.client_id.as_str().to_string())
                .collect();
            delivered += ids
                .iter()
                .filter(|id| !id.starts_with(&format!("{}-", name(i))))
                .count() as u64;
            convs.entry(conv).or_default().push(ids);
        }
    }
    let mut lost = 0;
    let mut duplicated = 0;
    for (conv, views) in &convs {
        assert!(
            views.windows(2).all(|w| w[0] == w[1]),
            "{conv}: members read different orders"
        );
        let unique: BTreeSet<&String> = views[0].iter().collect();
        duplicated += views[0].len() - unique.len();
    }
    let stored: BTreeSet<&String> = convs.values().flat_map(|v| v[0].iter()).collect();
    for id in acked.keys() {
        if !stored.contains(id) {
            lost += 1;
        }
    }
    let sent = (CLIENTS * EACH * 2) as u64;
    println!(
        "delivery: sent={sent} acked={} delivered={delivered} lost={lost} duplicated={duplicated} kills=1 failovers={} nats_restarts=1 live_pushes={}",
        acked.len(),
        tally.failovers.load(Relaxed),
        tally.pushed.load(Relaxed),
    );
    assert_eq!(
        acked.len() as u64,
        sent,
        "every message was acknowledged in the end"
    );
    assert_eq!((lost, duplicated), (0, 0));
    // Each one-to-one message is read by its one peer, each group message by 11.
    let expected = (CLIENTS * EACH) as u64 + (CLIENTS * EACH * (CLIENTS - 1)) as u64;
    assert_eq!(delivered, expected);
    assert!(tally.pushed.load(Relaxed) > 0, "pushes crossed the nodes");
    drop(procs);
}
