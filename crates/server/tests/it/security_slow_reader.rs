//! Attack: ask for large answers and never read them. The server's write
//! then waits on a full socket; before, it waited for ever, and with it the
//! connection's login, idle and token deadlines, its kick and its "too slow"
//! close — a connection slot (and the answers queued for it) held as long as
//! the attacker liked. A write the peer takes nothing of for
//! `idle_timeout_secs` now ends the connection.

use crate::common;
use crate::groups_support;

use std::time::{Duration, Instant};

use common::TestServer;
use groups_support::*;
use tern_proto::{ClientFrame, ConversationId, ReqId, Request, Seq};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_after_the_idle_timeout() {
    let server = TestServer::start_with(|c| c.idle_timeout = Duration::from_secs(2)).await;
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    let g = create(&mut alice, "big", &["bob"], None).await.group;
    // 100 messages of 48 KB of JSON: each pull page below is ~4 MiB.
    let text: String = std::iter::repeat_n('\u{1}', 8_000).collect();
    gsend_many(&mut alice, &g, 100, &text).await;
    // Ten pages (40 MiB) asked for, none read: far more than the sockets buffer.
    let conv = ConversationId::Group(g);
    for id in 0..10 {
        let req = Request::Pull {
            conv: conv.clone(),
            from: Seq(1),
            to: Seq(100),
            limit: Some(500),
        };
        let frame = ClientFrame {
            id: ReqId(1_000 + id),
            req,
        };
        bob.send_text(&frame.encode()).await;
    }
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    // Before: reading now got all ten answers, then the idle timeout's close
    // frame. Now the stalled write ended the connection without one.
    let close = bob.closed().await;
    println!(
        "slow reader: read for {:?} after the stall, close frame {close:?}",
        start.elapsed()
    );
    assert!(
        close.is_none(),
        "the server went on writing to a client that read nothing: {close:?}"
    );
}
