//! PostgreSQL goes away under load and comes back: a tern-server process (the
//! real binary) on a throw-away PostgreSQL of this test ([`TempPg`]); three
//! senders send continuously (one also reads `history`), then PostgreSQL goes
//! away — stopped (`pg_ctl stop -m fast`) for 4 s, or frozen (SIGSTOP, a hung
//! host or a partition: connections open, no answers) for 8 s — and comes
//! back. While it is away every request is answered within a bounded time,
//! with `Unavailable` (5002) and nothing else; a new login is refused the same
//! way; the connections stay open and the process keeps running. Once
//! PostgreSQL is back the same clients succeed again without reconnecting;
//! their resends of the refused sends (same client ids) are stored once; every
//! acknowledged message is in the history afterwards, with the seq its ack
//! named.
//!
//! Runs on every pass (it needs a PostgreSQL it may stop): without PostgreSQL's
//! binaries it fails, naming the package to install.

use crate::common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use tern_proto::{ConversationId, ErrorCode, Request, Response};

const SENDERS: [&str; 3] = ["a", "b", "c"];
const BATCH: usize = 10;
/// The longest any answer may take, outage or not: a transaction attempt
/// that gets no answer from the database is abandoned after 5 s
/// (`ATTEMPT_TIMEOUT`), and from then on requests fail fast.
const ANSWER_BOUND: Duration = Duration::from_secs(8);
/// Bound on the whole run.
const DEADLINE: Duration = Duration::from_secs(120);
/// Most messages one sender sends (a bound; the run stops well before).
const MAX_EACH: usize = 20_000;

struct Shared {
    acked: AtomicUsize,
    stop: AtomicBool,
    /// When PostgreSQL was started again, once it was.
    back: Mutex<Option<Instant>>,
    deadline: Instant,
}

#[derive(Default)]
struct Report {
    /// Client id → acknowledged seq.
    acked: BTreeMap<String, u64>,
    unavailable: usize,
    reads_unavailable: usize,
    resent: usize,
    slowest: Duration,
    /// From PostgreSQL's restart to this sender's first acknowledged send.
    recovered_after: Option<Duration>,
    example: Option<tern_proto::WireError>,
}

async fn sender(mut c: Client, who: usize, conv: ConversationId, shared: Arc<Shared>) -> Report {
    let mut rep = Report::default();
    let mut pending: Vec<String> = Vec::new();
    let mut next = 0;
    loop {
        assert!(
            Instant::now() < shared.deadline,
            "sender {who}: past the deadline"
        );
        if shared.stop.load(Ordering::Relaxed) && pending.is_empty() {
            break;
        }
        while pending.len() < BATCH && next < MAX_EACH && !shared.stop.load(Ordering::Relaxed) {
            pending.push(format!("{who}-{next}"));
            next += 1;
        }
        let mut reqs: Vec<Request> = pending.iter().map(|id| text_msg(&conv, id, "x")).collect();
        // Sender 0 reads too: reads must fail the same bounded way.
        let read = who == 0;
        if read {
            reqs.push(Request::History {
                conv: conv.clone(),
                before: None,
                limit: Some(5),
            });
        }
        let t = Instant::now();
        let mut results = c
            .try_pipeline(reqs)
            .await
            .unwrap_or_else(|e| panic!("sender {who}: connection lost: {e}"));
        rep.slowest = rep.slowest.max(t.elapsed());
        if read {
            match results.pop().unwrap() {
                Ok(Response::Messages { .. }) => {}
                Err(e) if e.code == ErrorCode::Unavailable => rep.reads_unavailable += 1,
                other => panic!("history answered {other:?}"),
            }
        }
        let mut again = Vec::new();
        for (id, r) in pending.drain(..).zip(results) {
            match r {
                Ok(Response::Sent { seq, .. }) => {
                    if let Some(before) = rep.acked.insert(id.clone(), seq.0) {
                        assert_eq!(before, seq.0, "{id}: acked with two seqs");
                    } else {
                        shared.acked.fetch_add(1, Ordering::Relaxed);
                    }
                    let back = *shared.back.lock().unwrap();
                    if let (Some(back), None) = (back, rep.recovered_after) {
                        rep.recovered_after = Some(back.elapsed());
                    }
                }
                Err(e) if e.code == ErrorCode::Unavailable => {
                    assert_eq!(e.code.as_u16(), 5002);
                    rep.unavailable += 1;
                    rep.example.get_or_insert(e);
                    again.push(id);
                }
                other => panic!("sender {who}: {id}: answered {other:?}"),
            }
        }
        rep.resent += again.len();
        pending = again;
        if !pending.is_empty() {
            // A client backs off before it resends.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    rep
}

/// How PostgreSQL goes away.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outage {
    /// `pg_ctl stop -m fast`, later `start`: connections are closed, new
    /// ones refused.
    Stopped,
    /// Every PostgreSQL process SIGSTOPped, later SIGCONT: connections stay
    /// open and new ones are accepted, but nothing answers (a hung host, a
    /// network partition).
    Frozen,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_database_answers_unavailable_and_loses_nothing_acked() {
    outage(Outage::Stopped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_database_answers_unavailable_in_bounded_time_and_loses_nothing_acked() {
    outage(Outage::Frozen).await;
}

impl Outage {
    /// How long PostgreSQL stays away, and when into that a new login is
    /// tried: a frozen database is found not answering only when the first
    /// attempts time out (5 s), so it stays frozen longer than that.
    fn timing(self) -> (Duration, Duration) {
        match self {
            Outage::Stopped => (Duration::from_secs(4), Duration::from_secs(2)),
            Outage::Frozen => (Duration::from_secs(8), Duration::from_millis(6500)),
        }
    }
}

async fn outage(kind: Outage) {
    let (down, login_at) = kind.timing();
    let started = Instant::now();
    let pg = tokio::task::block_in_place(TempPg::start);
    let url = pg.create_database("tern").await;
    let mut server = tokio::task::block_in_place(|| ServerProcess::start(&url));
    let mut clients = Vec::new();
    for name in SENDERS {
        clients.push(Client::try_user(server.addr, name).await.unwrap());
    }
    let token = clients[0].token.clone().unwrap();
    let convs = [dm("a", "b"), dm("b", "c"), dm("c", "a")];
    let shared = Arc::new(Shared {
        acked: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        back: Mutex::new(None),
        deadline: started + DEADLINE,
    });
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, c)| tokio::spawn(sender(c, i, convs[i].clone(), shared.clone())))
        .collect();
    while shared.acked.load(Ordering::Relaxed) < 300 {
        assert!(Instant::now() < shared.deadline, "no load");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The outage.
    let before = shared.acked.load(Ordering::Relaxed);
    let t = Instant::now();
    tokio::task::block_in_place(|| match kind {
        Outage::Stopped => pg.stop(),
        Outage::Frozen => pg.freeze(),
    });
    let stopping = t.elapsed();
    tokio::time::sleep(login_at.saturating_sub(t.elapsed())).await;
    // A login while the database is down is refused with Unavailable too.
    let mut late = Client::greeted(server.addr).await;
    let t_login = Instant::now();
    let login = late
        .try_pipeline(vec![Request::Login {
            user: uid("a"),
            password: PASSWORD.into(),
            platform: tern_proto::Platform::Desktop,
            device: tern_proto::DeviceId::new("a-late").unwrap(),
        }])
        .await
        .expect("the login's connection")
        .remove(0);
    let login_took = t_login.elapsed();
    // So is a resume of a's session.
    let mut late = Client::greeted(server.addr).await;
    let resume = late
        .try_pipeline(vec![Request::Resume {
            token,
            platform: tern_proto::Platform::Desktop,
            device: tern_proto::DeviceId::new("a-dev").unwrap(),
        }])
        .await
        .expect("the resume's connection")
        .remove(0);
    let during = shared.acked.load(Ordering::Relaxed);
    tokio::time::sleep(down.saturating_sub(t.elapsed())).await;
    let acked_while_down = shared.acked.load(Ordering::Relaxed) - during;
    tokio::task::block_in_place(|| match kind {
        Outage::Stopped => pg.start_again(),
        Outage::Frozen => pg.thaw(),
    });
    *shared.back.lock().unwrap() = Some(Instant::now());
    let down_for = t.elapsed();
    assert!(
        server.running(),
        "the server died with its database:\n{}",
        server.log()
    );

    // Recovery: every sender gets acks again, then the load stops.
    let recovering = Instant::now();
    let target = shared.acked.load(Ordering::Relaxed) + 300;
    while shared.acked.load(Ordering::Relaxed) < target {
        assert!(
            recovering.elapsed() < Duration::from_secs(30),
            "no recovery within 30 s of PostgreSQL's restart:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shared.stop.store(true, Ordering::Relaxed);
    let mut reports = Vec::new();
    for t in tasks {
        reports.push(t.await.unwrap());
    }
    assert!(server.running(), "the server died:\n{}", server.log());
    let health = health(server.addr).await;

    // Every acked message is stored once, with its seq, gap-free.
    let (mut lost, mut duplicated, mut acked) = (0, 0, 0);
    for (i, rep) in reports.iter().enumerate() {
        let conv = &convs[i];
        let mut reader = Client::try_user(server.addr, SENDERS[i]).await.unwrap();
        let (msgs, _) = reader
            .pull_all(conv, 1, rep.acked.len() as u64 + 100, 500)
            .await;
        let seqs: Vec<u64> = msgs.iter().map(|m| m.seq.0).collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "{conv}: gap-free"
        );
        let stored: BTreeMap<String, u64> = msgs
            .iter()
            .map(|m| (m.client_id.to_string(), m.seq.0))
            .collect();
        duplicated += msgs.len() - stored.len();
        lost += rep
            .acked
            .iter()
            .filter(|(id, seq)| stored.get(*id) != Some(seq))
            .count();
        acked += rep.acked.len();
        // Nothing is stored that was not acknowledged (every refused send was
        // resent until acked).
        assert_eq!(stored.len(), rep.acked.len(), "{conv}: stored = acked");
        // The newest page by `history` agrees with the pull.
        let Response::Messages { messages } = reader
            .ok(Request::History {
                conv: conv.clone(),
                before: None,
                limit: Some(20),
            })
            .await
        else {
            panic!("history")
        };
        assert_eq!(messages.first().map(|m| m.seq), msgs.last().map(|m| m.seq));
    }
    let unavailable: usize = reports.iter().map(|r| r.unavailable).sum();
    let reads_unavailable: usize = reports.iter().map(|r| r.reads_unavailable).sum();
    let resent: usize = reports.iter().map(|r| r.resent).sum();
    let slowest = reports.iter().map(|r| r.slowest).max().unwrap();
    let recovered: Vec<Duration> = reports.iter().map(|r| r.recovered_after.unwrap()).collect();
    let example = reports.iter().find_map(|r| r.example.clone());
    println!(
        "outage ({kind:?}): PostgreSQL down {down_for:.1?} (stop took {stopping:.1?}) under load ({before} acked before); \
         {unavailable} sends and {reads_unavailable} history reads answered Unavailable (5002), \
         {acked_while_down} acked while down; login while down: {:?} in {login_took:.1?}, resume: {:?}; \
         slowest answer {slowest:.1?}; first ack after restart per sender {recovered:.1?}; \
         {resent} resends; acked={acked} lost={lost} duplicated={duplicated}; total {:.1?}",
        login.as_ref().map_err(|e| e.code),
        resume.as_ref().map_err(|e| e.code),
        started.elapsed()
    );
    println!("outage ({kind:?}): example answer: {example:?}; /health after: {health}");
    assert!(
        unavailable > 0,
        "no send was refused: the outage was not under load"
    );
    assert!(
        reads_unavailable > 0,
        "no read was refused during the outage"
    );
    assert!(
        matches!(&login, Err(e) if e.code == ErrorCode::Unavailable),
        "login while the database is down: {login:?}"
    );
    assert!(
        login_took < ANSWER_BOUND,
        "login answered after {login_took:?}"
    );
    assert!(
        matches!(&resume, Err(e) if e.code == ErrorCode::Unavailable),
        "resume while the database is down: {resume:?}"
    );
    assert!(slowest < ANSWER_BOUND, "an answer took {slowest:?}");
    assert_eq!((lost, duplicated), (0, 0));
    assert_eq!(acked_while_down, 0, "acks while PostgreSQL was down");
}
