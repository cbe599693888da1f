//! Group commit: many concurrent senders share transactions (fewer commits
//! than writes), every conversation stays gap-free, and the server keeps
//! answering other clients meanwhile.

use crate::common;

use common::*;
use tern_proto::{Request, Response};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_senders_share_commits() {
    const SENDERS: usize = 8;
    const EACH: usize = 200;
    let server = TestServer::start().await;
    let _sink = server.user("sink").await;
    let mut senders = Vec::new();
    for i in 0..SENDERS {
        senders.push(server.user(&format!("s{i}")).await);
    }
    let before = health(server.addr()).await;
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            tokio::spawn(async move {
                let conv = dm(&format!("s{i}"), "sink");
                let reqs = (0..EACH)
                    .map(|j| text_msg(&conv, &format!("m{j}"), "load"))
                    .collect();
                let acks = c.pipeline(reqs).await;
                acks.into_iter()
                    .map(|r| match r {
                        Ok(Response::Sent { seq, .. }) => seq.0,
                        other => panic!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut bystander = server.user("bystander").await;
    assert!(matches!(
        bystander.ok(Request::Ping).await,
        Response::Pong { .. }
    ));
    for t in tasks {
        let seqs = t.await.unwrap();
        assert_eq!(
            seqs,
            (1..=EACH as u64).collect::<Vec<_>>(),
            "gap-free per conversation"
        );
    }
    let after = health(server.addr()).await;
    let delta =
        |k: &str| after["store"][k].as_u64().unwrap() - before["store"][k].as_u64().unwrap();
    let (writes, batches) = (delta("writes"), delta("batches"));
    println!("group commit: {writes} writes in {batches} transactions");
    assert!(writes >= (SENDERS * EACH) as u64);
    // Group commit is the SQLite writer's; on PostgreSQL every write is its
    // own transaction (gap-free seqs and a responsive server still hold).
    if !on_postgres() {
        assert!(
            batches < writes,
            "writes were batched: {writes} writes, {batches} commits"
        );
    }
    server.stop().await;
}
