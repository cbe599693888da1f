//! Several servers on one database: on PostgreSQL (`TERN_TEST_DATABASE`) four
//! servers share one database and eight senders, each connected to its own
//! server, write concurrently into shared one-to-one conversations and one
//! group, resending some client ids through *another* server at the same
//! time. Every
//! conversation must come out gap-free, with one message per client id, read
//! identically from every server, and every resend must be answered with the
//! original's seq. On SQLite the same load runs through one server.
//!
//! Also: a PostgreSQL that cannot be reached stops the start with an error
//! naming it; a malformed database value is a config error naming it.

use crate::common;
use crate::groups_support;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use groups_support::{create, gconv};
use tern_proto::{ConversationId, Response};
use tern_server::config::Database;

const SENDERS: usize = 8;
const EACH: usize = 40;
const RESENT: usize = 10;

fn sent(r: &Result<Response, tern_proto::WireError>) -> (u64, bool) {
    match r {
        Ok(Response::Sent { seq, duplicate, .. }) => (seq.0, *duplicate),
        other => panic!("send answered {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_servers_on_one_database_keep_seqs_gap_free_and_messages_unique() {
    let first = TestServer::start().await;
    let mut servers = vec![first];
    if on_postgres() {
        let db = servers[0].config.database.clone();
        for _ in 1..4 {
            let db = db.clone();
            servers.push(TestServer::start_with(move |c| c.database = db).await);
        }
    }
    let n = servers.len();
    let name = |i: usize| format!("s{i}");
    // Sender i talks through server i % n; its resends go through the next one.
    let mut clients = Vec::new();
    let mut resenders = Vec::new();
    for i in 0..SENDERS {
        clients.push(servers[i % n].user(&name(i)).await);
    }
    for i in 0..SENDERS {
        resenders.push(servers[(i + 1) % n].user(&name(i)).await);
    }
    let members: Vec<String> = (1..SENDERS).map(name).collect();
    let member_refs: Vec<&str> = members.iter().map(String::as_str).collect();
    let group = create(&mut clients[0], "load", &member_refs, None)
        .await
        .group;
    let g = gconv(&group);
    // Pairs (0,1), (2,3), … share a one-to-one conversation.
    let pair_conv = |i: usize| dm(&name(i & !1), &name(i | 1));

    let tasks: Vec<_> = clients
        .into_iter()
        .zip(resenders)
        .enumerate()
        .map(|(i, (mut c, mut again))| {
            let (d, g) = (pair_conv(i), g.clone());
            tokio::spawn(async move {
                let mut reqs = Vec::new();
                for j in 0..EACH {
                    reqs.push(text_msg(&d, &format!("d{i}-{j}"), "hi"));
                    reqs.push(text_msg(&g, &format!("g{i}-{j}"), "all"));
                }
                // The first client ids again, through another server, at the
                // same time: whichever arrives first is stored, the other one
                // is answered as a duplicate with the same seq.
                let again_reqs = reqs[..2 * RESENT].to_vec();
                let (first, resent) = tokio::join!(c.pipeline(reqs), again.pipeline(again_reqs));
                let first: Vec<(u64, bool)> = first.iter().map(sent).collect();
                let resent: Vec<(u64, bool)> = resent.iter().map(sent).collect();
                for (k, (seq, dup)) in resent.iter().enumerate() {
                    assert_eq!(*seq, first[k].0, "sender {i}: resend {k} keeps its seq");
                    assert!(*dup != first[k].1, "sender {i}: {k} stored exactly once");
                }
                assert!(first[2 * RESENT..].iter().all(|(_, dup)| !dup));
                // Pipelined sends of one connection commit in order.
                let d_seqs: Vec<u64> = first.iter().step_by(2).map(|s| s.0).collect();
                let g_seqs: Vec<u64> = first.iter().skip(1).step_by(2).map(|s| s.0).collect();
                for seqs in [&d_seqs, &g_seqs] {
                    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "sender {i}: {seqs:?}");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }

    // Read every conversation back through every server.
    let mut convs: Vec<(ConversationId, String, usize)> = (0..SENDERS)
        .step_by(2)
        .map(|i| (pair_conv(i), name(i), 2 * EACH))
        .collect();
    convs.push((g.clone(), name(0), SENDERS * EACH));
    let mut seen: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for (k, server) in servers.iter().enumerate() {
        for (conv, member, expected) in &convs {
            let mut r = server.user(member).await;
            let (msgs, _) = r.pull_all(conv, 1, *expected as u64 + 10, 100).await;
            let seqs: Vec<u64> = msgs.iter().map(|m| m.seq.0).collect();
            assert_eq!(
                seqs,
                (1..=*expected as u64).collect::<Vec<_>>(),
                "server {k}: {conv} is gap-free with one message per client id"
            );
            let ids: BTreeSet<(String, String)> = msgs
                .iter()
                .map(|m| (m.sender.to_string(), m.client_id.to_string()))
                .collect();
            assert_eq!(ids.len(), *expected, "server {k}: {conv} has no duplicate");
            let order: Vec<(u64, String)> = msgs
                .iter()
                .map(|m| (m.seq.0, m.client_id.to_string()))
                .collect();
            match seen.get(&conv.to_string()) {
                Some(before) => assert_eq!(before, &order, "server {k}: {conv} reads the same"),
                None => {
                    seen.insert(conv.to_string(), order);
                }
            }
        }
    }
    println!(
        "shared database: {n} server(s), {} messages stored, {} resends deduplicated",
        SENDERS * EACH * 2,
        SENDERS * RESENT * 2
    );
    for s in servers {
        s.stop().await;
    }
}

#[tokio::test]
async fn an_unreachable_postgres_stops_the_start_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = tern_server::Config::for_tests(dir.path());
    // Port 1 on loopback: nothing listens there.
    config.database = Database::Postgres("postgres://tern:sekrit@127.0.0.1:1/tern".into());
    let Err(e) = tern_server::spawn(config).await else {
        panic!("a server without its database must not start");
    };
    let e = e.to_string();
    assert!(e.contains("postgres://tern:***@127.0.0.1:1/tern"), "{e}");
    assert!(!e.contains("sekrit"), "the password is not shown: {e}");
}

#[test]
fn a_malformed_database_value_is_a_config_error_naming_it() {
    for bad in ["mysql://db/x", "postgres://u@h:port/x", "sqlite:"] {
        let args = <tern_server::config::Args as clap::Parser>::try_parse_from([
            "tern-server",
            "--database",
            bad,
        ])
        .unwrap();
        let Err(tern_server::Error::Config(e)) = tern_server::Config::from_args(args) else {
            panic!("`{bad}` must be refused");
        };
        assert!(e.contains(&format!("database `{bad}`")), "{e}");
    }
}

/// Kills every database connection of the server (PostgreSQL only).
async fn kill_connections(url: &str) -> i64 {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let rows = client
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    rows.len() as i64
}

/// The database connections are killed under load (PostgreSQL; on SQLite the
/// same load runs undisturbed): every send is answered with its seq or with
/// `Unavailable` (5002), the server reconnects on its own, a resend of the
/// refused ones with the same client ids succeeds, and nothing acknowledged is
/// lost or stored twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_database_connections_answer_unavailable_and_lose_nothing_acked() {
    const N: usize = 300;
    let server = TestServer::start().await;
    let mut a = server.user("a").await;
    let _b = server.user("b").await;
    let conv = dm("a", "b");
    let killer = match &server.config.database {
        Database::Postgres(url) => {
            let url = url.clone();
            Some(tokio::spawn(async move {
                let mut killed = 0;
                for _ in 0..5 {
                    tokio::time::sleep(std::time::Duration::from_millis(40)).await;
                    killed += kill_connections(&url).await;
                }
                killed
            }))
        }
        _ => None,
    };
    let mut acked: BTreeMap<String, u64> = BTreeMap::new();
    let mut unavailable = 0;
    let mut pending: Vec<String> = (0..N).map(|j| format!("m{j}")).collect();
    for round in 0..20 {
        if pending.is_empty() {
            break;
        }
        let mut retry = Vec::new();
        for chunk in pending.chunks(20) {
            let reqs = chunk.iter().map(|id| text_msg(&conv, id, "x")).collect();
            for (id, r) in chunk.iter().zip(a.pipeline(reqs).await) {
                match r {
                    Ok(Response::Sent { seq, .. }) => {
                        if let Some(before) = acked.insert(id.clone(), seq.0) {
                            assert_eq!(before, seq.0, "{id}: acked twice with different seqs");
                        }
                    }
                    Err(e) if e.code == tern_proto::ErrorCode::Unavailable => {
                        unavailable += 1;
                        retry.push(id.clone());
                    }
                    other => panic!("round {round}, {id}: {other:?}"),
                }
            }
        }
        pending = retry;
    }
    assert!(
        pending.is_empty(),
        "still refused after 20 rounds: {pending:?}"
    );
    let killed = match killer {
        Some(k) => k.await.unwrap(),
        None => 0,
    };
    let (msgs, _) = a.pull_all(&conv, 1, N as u64 + 10, 100).await;
    let stored: BTreeMap<String, u64> = msgs
        .iter()
        .map(|m| (m.client_id.to_string(), m.seq.0))
        .collect();
    assert_eq!(msgs.len(), N, "one message per client id");
    assert_eq!(
        msgs.iter().map(|m| m.seq.0).collect::<Vec<_>>(),
        (1..=N as u64).collect::<Vec<_>>(),
        "gap-free"
    );
    assert_eq!(stored, acked, "every ack names the stored seq");
    println!("outage: {killed} connections killed, {unavailable} sends answered Unavailable, {N} acked, lost=0 duplicated=0");
    server.stop().await;
}
