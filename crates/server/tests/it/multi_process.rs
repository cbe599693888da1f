//! Four tern-server *processes* (the real binary) on one PostgreSQL database,
//! one of them SIGKILLed mid-stream: 8 senders write 10,000 messages into
//! shared one-to-one and group conversations through different processes,
//! resend some client ids deliberately through another process, and after the
//! kill resend everything unacknowledged (same client ids) through a process
//! that is still up; the killed process is started again. Afterwards every
//! conversation is read by pull from every process: seqs gap-free from 1, one
//! message per (sender, client id), the same order everywhere, every ack naming
//! the stored seq. Prints `delivery: sent=… acked=… delivered=… lost=0
//! duplicated=0 kills=1 resent=…`.
//!
//! The database: `TERN_TEST_DATABASE` when set (the PostgreSQL pass of
//! `scripts/test.sh`, which runs this test), otherwise a throw-away
//! PostgreSQL this test starts ([`TempPg`]), so a plain `cargo test` runs it
//! too; without PostgreSQL's binaries it fails, naming the package.

use crate::common;
use crate::groups_support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use groups_support::{create, gconv};
use tern_proto::{ConversationId, ErrorCode, Response};
use tern_server::config::Database;

const PROCESSES: usize = 4;
const SENDERS: usize = 8;
const TOTAL: usize = 10_000;
const EACH: usize = TOTAL / SENDERS;
/// Sends pipelined per round trip.
const BATCH: usize = 25;
/// Every `RESEND_EVERY`-th batch, its first `RESEND` client ids are sent
/// again through another process.
const RESEND_EVERY: usize = 5;
const RESEND: usize = 5;
/// The kill comes once this many messages are acknowledged.
const KILL_AT: usize = TOTAL / 3;
/// How long the killed process stays down.
const DOWN: Duration = Duration::from_secs(2);
/// Bound on the whole run (and on every loop in it).
const DEADLINE: Duration = Duration::from_secs(300);
const ATTEMPTS: usize = 40;

/// The processes' addresses (`None` while one is down) and the ack count.
struct Shared {
    addrs: Mutex<Vec<Option<SocketAddr>>>,
    acked: AtomicUsize,
    deadline: Instant,
}

/// What one sender saw.
#[derive(Default)]
struct Report {
    /// Client id → (conversation, acknowledged seq).
    acked: BTreeMap<String, (ConversationId, u64)>,
    sent: usize,
    resent_deliberately: usize,
    resent_after_loss: usize,
    resent_after_unavailable: usize,
    /// Resends (after a lost process or `Unavailable`) answered as
    /// duplicates: committed before, but not acknowledged.
    found_stored: usize,
    reconnects: usize,
}

impl Report {
    /// Records an ack; a second ack of one client id must name the same seq.
    fn ack(&mut self, shared: &Shared, id: &str, conv: &ConversationId, seq: u64) {
        match self.acked.insert(id.to_string(), (conv.clone(), seq)) {
            Some((_, before)) => assert_eq!(before, seq, "{id}: acked with two seqs"),
            None => {
                shared.acked.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Logs `name` in on the first process that is up and answers, trying
/// `first`, then the next ones; returns the client and its process.
async fn connect(
    shared: &Shared,
    first: usize,
    avoid: Option<usize>,
    name: &str,
) -> (Client, usize) {
    for k in 0..PROCESSES * ATTEMPTS {
        assert!(
            Instant::now() < shared.deadline,
            "{name}: no process to connect to"
        );
        let p = (first + k) % PROCESSES;
        let addr = shared.addrs.lock().unwrap()[p];
        match addr {
            Some(addr) if Some(p) != avoid => match Client::try_user(addr, name).await {
                Ok(c) => return (c, p),
                Err(e) => eprintln!("{name}: process {p} refused: {e}"),
            },
            _ => {}
        }
        if k % PROCESSES == PROCESSES - 1 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!("{name}: could not connect to any process");
}

async fn sender(i: usize, convs: [ConversationId; 3], shared: Arc<Shared>) -> Report {
    let name = format!("s{i}");
    let mut rep = Report::default();
    let (mut conn, mut on) = connect(&shared, i % PROCESSES, None, &name).await;
    for b in 0..EACH / BATCH {
        let mut pending: Vec<(String, ConversationId)> = (b * BATCH..(b + 1) * BATCH)
            .map(|j| (format!("{name}-{j}"), convs[j % 3].clone()))
            .collect();
        rep.sent += pending.len();
        let batch: Vec<(String, ConversationId)> = pending.clone();
        let mut attempt = 0;
        while !pending.is_empty() {
            assert!(
                attempt < ATTEMPTS && Instant::now() < shared.deadline,
                "{name}: batch {b} still unacknowledged after {attempt} attempts"
            );
            let reqs = pending
                .iter()
                .map(|(id, conv)| text_msg(conv, id, "load"))
                .collect();
            match conn.try_pipeline(reqs).await {
                Err(e) => {
                    // The process is gone: whatever it did not acknowledge
                    // goes again, same client ids, through another process.
                    eprintln!(
                        "{name}: lost process {on} ({e}); resending {}",
                        pending.len()
                    );
                    rep.reconnects += 1;
                    rep.resent_after_loss += pending.len();
                    (conn, on) = connect(&shared, on + 1, None, &name).await;
                }
                Ok(results) => {
                    let mut again = Vec::new();
                    for ((id, conv), r) in pending.into_iter().zip(results) {
                        match r {
                            Ok(Response::Sent { seq, duplicate, .. }) => {
                                // Only a resend can meet a stored message.
                                assert!(attempt > 0 || !duplicate, "{id}: first send a duplicate");
                                rep.found_stored += usize::from(duplicate);
                                rep.ack(&shared, &id, &conv, seq.0);
                            }
                            Err(e) if e.code == ErrorCode::Unavailable => again.push((id, conv)),
                            other => panic!("{id}: send answered {other:?}"),
                        }
                    }
                    rep.resent_after_unavailable += again.len();
                    pending = again;
                    if !pending.is_empty() {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            attempt += 1;
        }
        if b % RESEND_EVERY == RESEND_EVERY - 1 {
            resend_elsewhere(&shared, &name, on, &batch[..RESEND], &mut rep).await;
        }
    }
    rep
}

/// Sends acknowledged client ids again through a process other than `on`, on
/// a fresh connection: each must come back as a duplicate with its seq.
async fn resend_elsewhere(
    shared: &Shared,
    name: &str,
    on: usize,
    ids: &[(String, ConversationId)],
    rep: &mut Report,
) {
    for attempt in 0..ATTEMPTS {
        let (mut other, p) = connect(shared, on + 1, Some(on), name).await;
        let reqs = ids.iter().map(|(id, c)| text_msg(c, id, "load")).collect();
        let Ok(results) = other.try_pipeline(reqs).await else {
            eprintln!("{name}: resend through process {p} lost (attempt {attempt})");
            continue;
        };
        rep.resent_deliberately += ids.len();
        for ((id, conv), r) in ids.iter().zip(results) {
            let acked = rep.acked[id].1;
            match r {
                Ok(Response::Sent { seq, duplicate, .. }) => {
                    assert!(
                        duplicate,
                        "{id}: a resend through process {p} stored it again"
                    );
                    assert_eq!(seq.0, acked, "{id}: the resend names another seq");
                    rep.ack(shared, id, conv, seq.0);
                }
                other => panic!("{id}: resend through process {p} answered {other:?}"),
            }
        }
        return;
    }
    panic!("{name}: deliberate resend never got through");
}

/// A conversation, a member who reads it, and its acknowledged messages:
/// (sender, client id) → seq.
type Expected = (ConversationId, String, BTreeMap<(String, String), u64>);

/// `TERN_TEST_DATABASE`'s database for this test, or a PostgreSQL of its own.
async fn database(dir: &std::path::Path) -> (Option<TempPg>, String) {
    match tern_server::Config::for_tests(dir).database {
        Database::Postgres(url) => (None, url),
        _ => {
            let pg = tokio::task::block_in_place(TempPg::start);
            let url = pg.create_database("tern").await;
            (Some(pg), url)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_on_one_database_lose_and_duplicate_nothing_through_a_sigkill() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (own_pg, url) = database(dir.path()).await;
    let mut procs: Vec<ServerProcess> = tokio::task::block_in_place(|| {
        (0..PROCESSES).map(|_| ServerProcess::start(&url)).collect()
    });
    let shared = Arc::new(Shared {
        addrs: Mutex::new(procs.iter().map(|p| Some(p.addr)).collect()),
        acked: AtomicUsize::new(0),
        deadline: started + DEADLINE,
    });
    // Accounts (registered through process 0) and three groups.
    let name = |i: usize| format!("s{i}");
    let mut owners = Vec::new();
    for i in 0..SENDERS {
        owners.push(connect(&shared, 0, None, &name(i)).await.0);
    }
    let all: Vec<String> = (1..SENDERS).map(name).collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let g = gconv(&create(&mut owners[0], "all", &all, None).await.group);
    let h0 = gconv(
        &create(&mut owners[0], "low", &["s1", "s2", "s3"], None)
            .await
            .group,
    );
    let h1 = gconv(
        &create(&mut owners[4], "high", &["s5", "s6", "s7"], None)
            .await
            .group,
    );
    drop(owners);
    // Sender i: its one-to-one conversation with its pair, the big group and
    // its half's group; through process i % 4 until that one dies.
    let convs_of = |i: usize| {
        let h = if i < SENDERS / 2 { &h0 } else { &h1 };
        [dm(&name(i & !1), &name(i | 1)), g.clone(), h.clone()]
    };
    let tasks: Vec<_> = (0..SENDERS)
        .map(|i| tokio::spawn(sender(i, convs_of(i), shared.clone())))
        .collect();

    // The kill, mid-stream.
    const VICTIM: usize = 1;
    while shared.acked.load(Ordering::Relaxed) < KILL_AT {
        assert!(
            Instant::now() < shared.deadline,
            "the load never reached {KILL_AT} acks"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shared.addrs.lock().unwrap()[VICTIM] = None;
    procs[VICTIM].kill();
    let acked_at_kill = shared.acked.load(Ordering::Relaxed);
    assert!(acked_at_kill < TOTAL, "the kill came after the load");
    tokio::time::sleep(DOWN).await;
    tokio::task::block_in_place(|| procs[VICTIM].restart());
    shared.addrs.lock().unwrap()[VICTIM] = Some(procs[VICTIM].addr);
    let mut reports = Vec::new();
    for t in tasks {
        reports.push(t.await.unwrap());
    }
    let load_time = started.elapsed();

    // What was sent and acknowledged, per conversation: (sender, id) → seq.
    let mut expected: BTreeMap<String, Expected> = BTreeMap::new();
    for (i, rep) in reports.iter().enumerate() {
        for (id, (conv, seq)) in &rep.acked {
            let e = expected
                .entry(conv.to_string())
                .or_insert_with(|| (conv.clone(), name(i), BTreeMap::new()));
            e.2.insert((name(i), id.clone()), *seq);
        }
    }
    let sent: usize = reports.iter().map(|r| r.sent).sum();
    let acked: usize = reports.iter().map(|r| r.acked.len()).sum();
    // Read every conversation from every process.
    let (mut delivered, mut lost, mut duplicated) = (0, 0, 0);
    for (conv, member, acks) in expected.values() {
        let mut first: Option<Vec<(u64, String, String)>> = None;
        for (k, p) in procs.iter().enumerate() {
            let mut reader = Client::try_user(p.addr, member).await.unwrap();
            let (msgs, _) = reader.pull_all(conv, 1, acks.len() as u64 + 100, 500).await;
            let order: Vec<(u64, String, String)> = msgs
                .iter()
                .map(|m| (m.seq.0, m.sender.to_string(), m.client_id.to_string()))
                .collect();
            let seqs: Vec<u64> = order.iter().map(|o| o.0).collect();
            assert_eq!(
                seqs,
                (1..=seqs.len() as u64).collect::<Vec<_>>(),
                "process {k}: {conv} is gap-free from 1"
            );
            let stored: BTreeMap<(String, String), u64> = order
                .iter()
                .map(|(seq, s, id)| ((s.clone(), id.clone()), *seq))
                .collect();
            let missing = acks
                .iter()
                .filter(|(key, seq)| stored.get(*key) != Some(seq));
            let missing: Vec<_> = missing.collect();
            assert!(
                missing.is_empty(),
                "process {k}: {conv}: acked but not stored as acked: {missing:?}"
            );
            match &first {
                None => {
                    delivered += stored.len();
                    duplicated += order.len() - stored.len();
                    lost += acks.keys().filter(|key| !stored.contains_key(*key)).count();
                    first = Some(order);
                }
                Some(before) => assert_eq!(before, &order, "process {k}: {conv} reads the same"),
            }
        }
    }
    let sum = |f: fn(&Report) -> usize| reports.iter().map(f).sum::<usize>();
    let resent = sum(|r| r.resent_deliberately)
        + sum(|r| r.resent_after_loss)
        + sum(|r| r.resent_after_unavailable);
    println!(
        "delivery: sent={sent} acked={acked} delivered={delivered} lost={lost} duplicated={duplicated} kills=1 resent={resent}"
    );
    println!(
        "  {PROCESSES} processes on {}; {SENDERS} senders, {} conversations; process {VICTIM} \
         SIGKILLed at {acked_at_kill} acks, restarted after {DOWN:?}; resent: {} deliberately \
         through another process, {} after the kill ({} reconnects), {} after Unavailable; \
         {} resends found their message committed but unacknowledged; \
         load {load_time:.1?}, total {:.1?}",
        if own_pg.is_some() {
            "a PostgreSQL of its own"
        } else {
            "TERN_TEST_DATABASE"
        },
        expected.len(),
        sum(|r| r.resent_deliberately),
        sum(|r| r.resent_after_loss),
        sum(|r| r.reconnects),
        sum(|r| r.resent_after_unavailable),
        sum(|r| r.found_stored),
        started.elapsed()
    );
    assert_eq!(sent, TOTAL);
    assert_eq!(acked, sent, "every message acknowledged in the end");
    assert_eq!(delivered, acked);
    assert_eq!((lost, duplicated), (0, 0));
    assert!(
        sum(|r| r.reconnects) > 0,
        "the kill cut no sender off: it was not mid-stream"
    );
    assert!(sum(|r| r.resent_deliberately) > 0);
    for (k, p) in procs.iter_mut().enumerate() {
        assert!(p.running(), "process {k} died:\n{}", p.log());
    }
}
