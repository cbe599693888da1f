//! Keeps a cluster node's message pushes in seq order per conversation.
//! Messages of one conversation commit in seq order (the conversation row
//! lock), but their pushes reach a node from several origins — its own
//! commits and every other node's publications — and the bus does not order
//! different publishers. So every message push on a node goes through this
//! sequencer: the next seq is delivered at once; a later one is held until
//! the missing ones arrive, for at most [`HOLD`]; then what is held goes out
//! in order and a connection sees a gap, which the client fills by `pull` as
//! always. A push older than what was already delivered is dropped (the
//! client has it, or pulled it when it saw the gap).
//!
//! Streams are per group conversation, and per (direct conversation,
//! recipient): a direct message is published once per member, on each
//! member's subject. A stream the sequencer does not know yet (first push
//! since start, or since its user's last connection here ended) starts with
//! a short wait ([`HOLD_FIRST`]) unless its seq is 1, so two pushes that
//! arrive swapped right at its start still go out in order.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use tern_proto::{ConversationId, UserId};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

use crate::hub::{ConnId, Hub};

/// Longest a push waits for the ones before it.
pub const HOLD: Duration = Duration::from_millis(1_000);

/// How long the first push of an unknown stream waits for earlier ones.
pub const HOLD_FIRST: Duration = Duration::from_millis(50);

/// A stream: a group conversation, or a direct one as seen by one member.
type Key = (ConversationId, Option<UserId>);

/// Conversations remembered before idle ones are forgotten.
const REMEMBER: usize = 50_000;

/// One message push: to `users` (except connection `except`), seq `seq` of `conv`.
#[allow(missing_docs)] // the line above names every field
pub struct Ordered {
    pub conv: ConversationId,
    pub seq: u64,
    pub users: Vec<UserId>,
    pub frame: Utf8Bytes,
    pub except: Option<ConnId>,
}

impl Ordered {
    fn key(&self) -> Key {
        match &self.conv {
            ConversationId::Direct(..) => (self.conv.clone(), self.users.first().cloned()),
            ConversationId::Group(_) => (self.conv.clone(), None),
        }
    }
}

enum Cmd {
    Push(Ordered),
    Forget(UserId),
    ForgetConv(ConversationId),
}

/// The handle: queue pushes; a task delivers them in order.
#[derive(Clone)]
pub struct Sequencer {
    tx: mpsc::UnboundedSender<Cmd>,
}

impl Sequencer {
    /// Starts the task delivering into `hub`.
    pub fn spawn(hub: Arc<Hub>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(hub, rx));
        Self { tx }
    }

    /// Queues a message push (never blocks). A direct message's push must
    /// name one recipient (see the module docs).
    pub fn push(&self, item: Ordered) {
        let _ = self.tx.send(Cmd::Push(item));
    }

    /// Forgets `user`'s direct streams (their last connection here ended:
    /// what this node sees of them from now on has gaps).
    pub fn forget(&self, user: &UserId) {
        let _ = self.tx.send(Cmd::Forget(user.clone()));
    }

    /// Forgets a group's stream (this node stopped receiving it: what it sees
    /// of it from a later subscription on has gaps).
    pub fn forget_conv(&self, conv: ConversationId) {
        let _ = self.tx.send(Cmd::ForgetConv(conv));
    }
}

/// What the sequencer knows of one conversation.
struct Conv {
    /// The newest seq delivered (`None`: a new stream, still in its first wait).
    last: Option<u64>,
    /// Pushes past a gap, by seq.
    held: BTreeMap<u64, Ordered>,
    /// When the held ones go out anyway.
    deadline: Option<Instant>,
    /// Last activity (forgetting idle conversations).
    touched: Instant,
}

async fn run(hub: Arc<Hub>, mut rx: mpsc::UnboundedReceiver<Cmd>) {
    let mut convs: HashMap<Key, Conv> = HashMap::new();
    let mut timers: BinaryHeap<Reverse<(Instant, Key)>> = BinaryHeap::new();
    loop {
        let next = timers.peek().map(|Reverse((at, _))| *at);
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(Cmd::Push(item)) => arrive(&hub, &mut convs, &mut timers, item),
                Some(Cmd::Forget(user)) => {
                    convs.retain(|(_, u), c| u.as_ref() != Some(&user) || !c.held.is_empty());
                }
                Some(Cmd::ForgetConv(conv)) => {
                    convs.retain(|(c, _), v| *c != conv || !v.held.is_empty());
                }
                None => return,
            },
            _ = sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {
                let Some(Reverse((at, conv))) = timers.pop() else { continue };
                if let Some(c) = convs.get_mut(&conv) {
                    if c.deadline == Some(at) {
                        release(&hub, c);
                    }
                }
            }
        }
    }
}

fn deliver(hub: &Hub, item: Ordered) {
    let n = hub.push_all_frame(&item.users, item.frame, item.except);
    hub.count_messages(n);
}

/// Delivers what is held, in order (the gap stays a gap).
fn release(hub: &Hub, c: &mut Conv) {
    for (seq, item) in std::mem::take(&mut c.held) {
        deliver(hub, item);
        c.last = Some(seq);
    }
    c.deadline = None;
}

fn arrive(
    hub: &Hub,
    convs: &mut HashMap<Key, Conv>,
    timers: &mut BinaryHeap<Reverse<(Instant, Key)>>,
    item: Ordered,
) {
    let now = Instant::now();
    if convs.len() >= REMEMBER {
        convs.retain(|_, c| !c.held.is_empty() || now - c.touched < Duration::from_secs(60));
    }
    let key = item.key();
    let c = convs.entry(key.clone()).or_insert_with(|| Conv {
        last: (item.seq == 1).then_some(0),
        held: BTreeMap::new(),
        deadline: None,
        touched: now,
    });
    c.touched = now;
    let Some(last) = c.last else {
        // A new stream: wait briefly for earlier pushes arriving swapped.
        c.held.insert(item.seq, item);
        if c.deadline.is_none() {
            let at = now + HOLD_FIRST;
            c.deadline = Some(at);
            timers.push(Reverse((at, key)));
        }
        return;
    };
    if item.seq <= last {
        return;
    }
    if item.seq != last + 1 {
        c.held.insert(item.seq, item);
        if c.deadline.is_none() {
            let at = now + HOLD;
            c.deadline = Some(at);
            timers.push(Reverse((at, key)));
        }
        return;
    }
    let mut last = item.seq;
    deliver(hub, item);
    while let Some(entry) = c.held.first_entry() {
        if *entry.key() != last + 1 {
            break;
        }
        last += 1;
        deliver(hub, entry.remove());
    }
    c.last = Some(last);
    if c.held.is_empty() {
        c.deadline = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::{ConnEntry, Outbound};
    use tern_proto::{GroupId, Platform};

    fn item(conv: &ConversationId, seq: u64) -> Ordered {
        Ordered {
            conv: conv.clone(),
            seq,
            users: vec![UserId::new("u").unwrap()],
            frame: Utf8Bytes::from(seq.to_string()),
            except: None,
        }
    }

    async fn got(rx: &mut crate::push_queue::PushReceiver<Outbound>, wait: Duration) -> Vec<u64> {
        let mut out = Vec::new();
        while let Ok(Some(Outbound::Frame(f))) = tokio::time::timeout(wait, rx.recv()).await {
            out.push(f.as_str().parse().unwrap());
        }
        out
    }

    #[tokio::test]
    async fn pushes_go_out_in_seq_order_and_a_gap_is_released_after_the_hold() {
        let hub = Arc::new(Hub::default());
        let (tx, mut rx) = crate::push_queue::channel(100);
        let entry = ConnEntry {
            conn: 1,
            session: "s".into(),
            platform: Platform::Desktop,
            tx,
            since: 0,
        };
        hub.register(&UserId::new("u").unwrap(), entry);
        let seq = Sequencer::spawn(hub.clone());
        let g = ConversationId::Group(GroupId::new("g1").unwrap());
        // A new stream that starts swapped: 3 before 2 (seq 1 was before this node).
        seq.push(item(&g, 3));
        seq.push(item(&g, 2));
        assert_eq!(got(&mut rx, HOLD_FIRST * 2).await, [2, 3]);
        // 5 before 4: held until 4 comes.
        seq.push(item(&g, 5));
        seq.push(item(&g, 4));
        assert_eq!(got(&mut rx, Duration::from_millis(10)).await, [4, 5]);
        // 7 with 6 missing: released after HOLD; 6 arriving later is dropped.
        seq.push(item(&g, 7));
        assert_eq!(got(&mut rx, HOLD / 2).await, Vec::<u64>::new());
        assert_eq!(got(&mut rx, HOLD).await, [7]);
        seq.push(item(&g, 6));
        seq.push(item(&g, 8));
        assert_eq!(got(&mut rx, Duration::from_millis(10)).await, [8]);
    }
}
