//! The outbox task: sends queued messages in queue order, pipelined (up to
//! [`crate::session::sending::WINDOW`] in flight on the connection, which stores and acks them in order),
//! records acks, retries unanswered sends and fails messages whose budget is spent.
//! The decisions are [`crate::state::Outbox`]'s; this task only carries them out.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesOrdered, StreamExt};

use tern_proto::{cmd, reply, ClientMsgId, WireError};

use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::Shared;
use crate::state::Verdict;
use crate::store::{conversations as convs, now_ms, outgoing};
use crate::transport::Conn;

/// How often the task looks at the outbox without being woken.
const TICK: Duration = Duration::from_millis(200);

/// Runs until the session stops.
pub(crate) async fn run(sh: Arc<Shared>) {
    let mut stopped = sh.link.stopped();
    loop {
        tokio::select! {
            _ = sh.sending.woken() => {}
            _ = tokio::time::sleep(TICK) => {}
            _ = stopped.changed() => {}
        }
        if *stopped.borrow() {
            return;
        }
        if let Err(e) = expire(&sh).await {
            tracing::warn!(error = %e, "outbox expiry failed");
        }
        let conn = sh.link.current();
        if let Some(conn) = conn {
            if let Err(e) = flush(&sh, &conn).await {
                tracing::warn!(error = %e, "outbox flush failed");
            }
        }
    }
}

/// Fails every queued message whose budget ran out while idle (e.g. offline).
async fn expire(sh: &Arc<Shared>) -> Result<()> {
    let ids = sh.sending.queue().expire(now_ms());
    for id in ids {
        fail(sh, &id, None).await?;
    }
    Ok(())
}

/// What one send came back with.
type SendResult = (ClientMsgId, crate::LocalMessage, Result<reply::Sent>);

/// Sends due messages, up to [`crate::session::sending::WINDOW`] in flight, until none is due or a send
/// goes unanswered (then it waits for the ones in flight and returns).
async fn flush(sh: &Arc<Shared>, conn: &Conn) -> Result<()> {
    let mut inflight: FuturesOrdered<Pin<Box<dyn Future<Output = SendResult> + Send>>> =
        FuturesOrdered::new();
    let mut stop = false;
    for _ in 0..1_000_000 {
        // Fill the window, in queue order; each frame goes out as it is started.
        while !stop && inflight.len() < sh.sending.window() {
            let entry = {
                let mut o = sh.sending.queue();
                match o.next_due(now_ms()) {
                    Some(id) => {
                        o.start(&id);
                        o.get(&id).cloned().map(|e| (e, o.after(&id)))
                    }
                    None => None,
                }
            };
            let Some((entry, after)) = entry else {
                break;
            };
            let id = entry.client_id.clone();
            let e = entry.clone();
            sh.db
                .call(move |c| outgoing::save_outbox_entry(c, &e))
                .await?;
            let Some(msg) = sh.own_message(&id).await? else {
                sh.sending.queue().acked(&id);
                continue;
            };
            if msg.seq.is_some() {
                // Already stored (a push or pull carried our copy): nothing to send.
                settle_ack(sh, &id, msg).await?;
                continue;
            }
            let req = cmd::Send {
                conv: msg.conv.clone(),
                client_id: id.clone(),
                content: msg.content.clone(),
                ext: msg.ext.clone(),
                // Stored only after the one before it, which is still in flight: if
                // that one is refused for now, this one is too (`OutOfOrder`).
                after,
                reply_to: msg.reply_to,
                mentions: msg.mentions.clone(),
            };
            let answer = conn.start(req);
            inflight.push_back(Box::pin(async move { (id, msg, answer.await) }));
        }
        // Answers come back in the order the sends were made.
        let Some((id, msg, res)) = inflight.next().await else {
            return Ok(());
        };
        match res {
            Ok(reply::Sent {
                seq,
                id: mid,
                sent_at,
                ..
            }) => {
                let (me, key) = (sh.me.clone(), id.clone());
                let acked = sh
                    .db
                    .call(move |c| outgoing::ack(c, &me, &key, seq, mid, sent_at))
                    .await?;
                if let Some(m) = acked {
                    settle_ack(sh, &id, m).await?;
                }
                sh.sending.widen();
            }
            Err(Error::Server(we)) if !Error::Server(we.clone()).is_transient() => {
                sh.sending.queue().refused(&id);
                fail(sh, &id, Some(we)).await?;
            }
            Err(err) => {
                // Timeout, lost connection, server busy: no new sends on this pass;
                // the ones in flight are still answered (or fail) one by one.
                unanswered(sh, &id, msg, err).await?;
                sh.sending.narrow();
                stop = true;
            }
        }
    }
    Ok(())
}

async fn settle_ack(sh: &Arc<Shared>, id: &ClientMsgId, m: crate::LocalMessage) -> Result<()> {
    let was_queued = sh.sending.queue().acked(id);
    let conv = m.conv.clone();
    sh.sending.resolve(id, Ok(m.clone()));
    if was_queued {
        sh.emit(Event::MessageAcked {
            message: Box::new(m),
        });
    }
    let key = conv.clone();
    sh.db
        .call(move |c| convs::advance_synced(c, &key, 0))
        .await?;
    sh.conv_changed(&conv).await
}

async fn unanswered(
    sh: &Arc<Shared>,
    id: &ClientMsgId,
    msg: crate::LocalMessage,
    err: Error,
) -> Result<()> {
    tracing::debug!(%id, error = %err, "send unanswered");
    let (verdict, entry) = {
        let mut o = sh.sending.queue();
        let v = o.unanswered(id, now_ms());
        (v, o.get(id).cloned())
    };
    if let Some(e) = entry {
        sh.db
            .call(move |c| outgoing::save_outbox_entry(c, &e))
            .await?;
    }
    match verdict {
        Verdict::Failed => fail(sh, id, None).await,
        Verdict::Retry => {
            sh.sending.resolve(id, Ok(msg));
            Ok(())
        }
    }
}

/// Marks a message failed, announces it and answers a waiting `send`.
async fn fail(sh: &Arc<Shared>, id: &ClientMsgId, error: Option<WireError>) -> Result<()> {
    let (me, key, err) = (sh.me.clone(), id.clone(), error.clone());
    let Some(m) = sh
        .db
        .call(move |c| outgoing::mark_failed(c, &me, &key, err.as_ref()))
        .await?
    else {
        return Ok(());
    };
    let conv = m.conv.clone();
    sh.emit(Event::MessageFailed {
        message: Box::new(m.clone()),
        error: error.clone(),
    });
    sh.sending.resolve(
        id,
        match error {
            Some(we) => Err(Error::Server(we)),
            None => Ok(m),
        },
    );
    sh.conv_changed(&conv).await
}
