//! Shutdown keeps its promise (issue 24, item 3): with ~100 pipelined sends in
//! flight when the server is told to stop, every request the client wrote gets
//! exactly one response — the ack of a stored send, or `ShuttingDown` (5001)
//! for one the server read after the signal — and, checked on a second start
//! on the same data directory, every stored message was acked and every acked
//! message is stored. Run for many rounds, with the signal landing at a
//! different point of the burst each time.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use common::*;
use futures_util::{SinkExt, StreamExt};
use tern_proto::{
    ClientFrame, ClientMsgId, Content, ErrorCode, Platform, ReqId, Request, Response, ServerFrame,
};
use tokio_tungstenite::tungstenite::Message;

const ROUNDS: usize = 50;
const SENDS: u64 = 100;

/// What one request got back.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Acked { duplicate: bool },
    Refused(ErrorCode),
}

/// The outcome of one round.
#[derive(Debug, Default)]
struct Round {
    /// The close code the client read (the server's 1001, if it arrived).
    close: Option<u16>,
    written: usize,
    acked: usize,
    shutting_down: usize,
    unanswered: Vec<u64>,
    answered_twice: Vec<u64>,
    stored_unacked: Vec<String>,
    acked_not_stored: Vec<String>,
    refused_but_stored: Vec<String>,
    other_errors: Vec<(u64, ErrorCode)>,
}

fn send_frame(id: u64, round: usize, i: u64) -> String {
    ClientFrame {
        id: ReqId(id),
        req: Request::Send {
            conv: dm("alice", "bob"),
            client_id: ClientMsgId::new(format!("r{round}-{i}")).unwrap(),
            content: Content::Text {
                text: format!("message {i} of round {round}"),
            },
            ext: None,
            after: None,
            reply_to: None,
            mentions: None,
        },
    }
    .encode()
}

async fn one_round(round: usize) -> Round {
    let server = TestServer::start().await;
    let _bob = server.user("bob").await;
    // alice logs in on a client of her own so that the socket can be split into
    // a writer (the burst) and a reader (the answers) running at once.
    let mut setup = Client::greeted(server.addr()).await;
    let _ = setup.request(register("alice")).await;
    drop(setup);
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr()))
        .await
        .unwrap();
    let (mut tx, mut rx) = ws.split();
    for (id, req) in [
        (
            1,
            Request::Hello {
                version: tern_proto::PROTOCOL_VERSION,
            },
        ),
        (
            2,
            Request::Login {
                user: uid("alice"),
                password: PASSWORD.into(),
                platform: Platform::Desktop,
                device: tern_proto::DeviceId::new("alice-burst").unwrap(),
            },
        ),
    ] {
        let frame = ClientFrame { id: ReqId(id), req }.encode();
        tx.send(Message::text(frame)).await.unwrap();
        loop {
            let Some(Ok(Message::Text(t))) = rx.next().await else {
                panic!("setup")
            };
            match ServerFrame::decode(t.as_str()).unwrap() {
                ServerFrame::Ok { id: got, .. } if got == ReqId(id) => break,
                ServerFrame::Push { .. } => {}
                other => panic!("setup: {other:?}"),
            }
        }
    }

    // The reader: every answer by id, until the server's close (replying to
    // it); it publishes how many sends are acked so far.
    let (acks_tx, mut acks_rx) = tokio::sync::watch::channel(0usize);
    let slow_reader = round % 3 == 2;
    let reader = tokio::spawn(async move {
        let mut answers: BTreeMap<u64, Vec<Answer>> = BTreeMap::new();
        let mut close = None;
        let mut acked = 0;
        while let Ok(Some(msg)) = tokio::time::timeout(WAIT, rx.next()).await {
            match msg {
                Ok(Message::Text(t)) => match ServerFrame::decode(t.as_str()).unwrap() {
                    ServerFrame::Ok {
                        id,
                        res: Response::Sent { duplicate, .. },
                    } => {
                        answers
                            .entry(id.0)
                            .or_default()
                            .push(Answer::Acked { duplicate });
                        acked += 1;
                        acks_tx.send_replace(acked);
                        // In every third round the client is busy for a moment
                        // after its first ack, so answers pile up unread.
                        if acked == 1 && slow_reader {
                            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                        }
                    }
                    ServerFrame::Err { id: Some(id), err } => answers
                        .entry(id.0)
                        .or_default()
                        .push(Answer::Refused(err.code)),
                    ServerFrame::Push { .. } => {}
                    other => panic!("unexpected frame {other:?}"),
                },
                Ok(Message::Close(f)) => close = f.map(|f| u16::from(f.code)),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        (answers, close)
    });

    // The shutdown signal lands inside the burst: in even rounds once
    // `signal_at` sends are acked (the rest are in flight then: queued for the
    // writer, read but not yet queued, or not yet read), in odd rounds once
    // `signal_at` of them are written (most are not read yet).
    let signal_at = (round * 7) % SENDS as usize;
    let (written_tx, mut written_rx) = tokio::sync::watch::channel(0usize);
    let handle = server.handle;
    let stopping = tokio::spawn(async move {
        if round.is_multiple_of(2) {
            let _ = acks_rx.wait_for(|n| *n >= signal_at).await;
        } else {
            let _ = written_rx.wait_for(|n| *n >= signal_at).await;
        }
        handle.shutdown().await;
    });
    let mut written = 0;
    for i in 0..SENDS {
        if tx
            .send(Message::text(send_frame(100 + i, round, i)))
            .await
            .is_err()
        {
            break;
        }
        written += 1;
        written_tx.send_replace(written);
        // Let the signal task run when its moment has come.
        if written == signal_at {
            tokio::task::yield_now().await;
        }
    }
    stopping.await.unwrap();
    let (answers, close) = reader.await.unwrap();
    drop(tx);

    // Second start on the same data directory: what is stored?
    let config = server.config.clone();
    let again = tern_server::spawn(config).await.unwrap();
    let mut bob = Client::greeted(again.addr()).await;
    bob.login("bob", "dev", Platform::Desktop).await.unwrap();
    let (stored, _) = bob.pull_all(&dm("alice", "bob"), 1, 10 * SENDS, 500).await;
    let stored: BTreeSet<String> = stored
        .into_iter()
        .map(|m| m.client_id.as_str().to_string())
        .collect();
    drop(bob);
    again.shutdown().await;
    drop(server.dir);

    let mut r = Round {
        written,
        close,
        ..Round::default()
    };
    for i in 0..written as u64 {
        let id = 100 + i;
        let client_id = format!("r{round}-{i}");
        let is_stored = stored.contains(&client_id);
        match answers.get(&id).map(Vec::as_slice) {
            None | Some([]) => r.unanswered.push(id),
            Some([Answer::Acked { duplicate }]) => {
                r.acked += 1;
                assert!(
                    !duplicate,
                    "round {round}: a first send acked as a duplicate"
                );
                if !is_stored {
                    r.acked_not_stored.push(client_id.clone());
                }
            }
            Some([Answer::Refused(ErrorCode::ShuttingDown)]) => {
                r.shutting_down += 1;
                if is_stored {
                    r.refused_but_stored.push(client_id.clone());
                }
            }
            Some([Answer::Refused(code)]) => r.other_errors.push((id, *code)),
            Some(_) => r.answered_twice.push(id),
        }
        let acked = matches!(
            answers.get(&id).map(Vec::as_slice),
            Some([Answer::Acked { .. }])
        );
        if is_stored && !acked {
            r.stored_unacked.push(client_id);
        }
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_answers_every_request_and_acks_every_stored_send() {
    let started = Instant::now();
    let mut totals = Round::default();
    let mut bad = Vec::new();
    for round in 0..ROUNDS {
        let r = one_round(round).await;
        let clean = r.close == Some(1001)
            && r.unanswered.is_empty()
            && r.answered_twice.is_empty()
            && r.stored_unacked.is_empty()
            && r.acked_not_stored.is_empty()
            && r.refused_but_stored.is_empty()
            && r.other_errors.is_empty();
        if !clean {
            bad.push(format!(
                "round {round}: close {:?}, {} written, {} acked, {} ShuttingDown, {} unanswered, {} answered twice, {} stored but unacked {:?}, {} acked but not stored, {} refused but stored, other errors {:?}",
                r.close,
                r.written,
                r.acked,
                r.shutting_down,
                r.unanswered.len(),
                r.answered_twice.len(),
                r.stored_unacked.len(),
                r.stored_unacked.iter().take(3).collect::<Vec<_>>(),
                r.acked_not_stored.len(),
                r.refused_but_stored.len(),
                r.other_errors,
            ));
        }
        totals.written += r.written;
        totals.acked += r.acked;
        totals.shutting_down += r.shutting_down;
        totals.unanswered.extend(r.unanswered);
        totals.stored_unacked.extend(r.stored_unacked);
        totals.acked_not_stored.extend(r.acked_not_stored);
    }
    eprintln!(
        "{ROUNDS} rounds in {:?}: {} sends written, {} acked, {} answered ShuttingDown, {} unanswered, {} stored but unacked, {} acked but not stored, {} rounds without the 1001 close",
        started.elapsed(),
        totals.written,
        totals.acked,
        totals.shutting_down,
        totals.unanswered.len(),
        totals.stored_unacked.len(),
        totals.acked_not_stored.len(),
        bad.iter().filter(|r| !r.contains("close Some(1001)")).count(),
    );
    assert!(bad.is_empty(), "rounds that broke the promise: {bad:#?}");
    assert_eq!(
        totals.written,
        ROUNDS * SENDS as usize,
        "every send of the burst was written (the server reads until it is quiet)"
    );
    assert!(totals.acked > 0, "some sends were stored and acked");
    assert!(
        totals.shutting_down > 0,
        "some sends were read after the signal and refused"
    );
}
