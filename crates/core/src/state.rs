//! The pure part of the client: decisions with no I/O and no clock of their own
//! (time is passed in), so each is unit-tested directly. The transport and the
//! store feed it; it never touches a socket or the database.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use tern_proto::ClientMsgId;

use crate::config::RetryPolicy;

/// Delay before reconnect attempt `attempt` (1-based): exponential from `initial_ms`
/// up to `max_ms`, with "equal jitter" — half fixed, half random by `jitter` in `[0, 1)`.
pub(crate) fn backoff_delay(attempt: u32, initial_ms: u64, max_ms: u64, jitter: f64) -> Duration {
    let exp = initial_ms
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(30))
        .min(max_ms);
    let jitter = jitter.clamp(0.0, 1.0);
    Duration::from_millis(exp / 2 + ((exp / 2) as f64 * jitter) as u64)
}

/// The inclusive seq ranges missing after `synced` up to `upto`, given the seqs
/// already present above `synced` (sorted ascending), each range at most `page` long.
pub(crate) fn missing_ranges(
    synced: u64,
    present: &[u64],
    upto: u64,
    page: u64,
) -> Vec<(u64, u64)> {
    let page = page.max(1);
    let mut out = Vec::new();
    let mut push_range = |from: u64, to: u64| {
        let mut start = from;
        while start <= to {
            let end = to.min(start + page - 1);
            out.push((start, end));
            start = end + 1;
        }
    };
    let mut next = synced + 1;
    for &seq in present.iter().filter(|&&s| s > synced && s <= upto) {
        if seq > next {
            push_range(next, seq - 1);
        }
        next = next.max(seq + 1);
    }
    if next <= upto {
        push_range(next, upto);
    }
    out
}

/// The highest seq reachable from `synced` without a hole, given the seqs present
/// above it (sorted ascending).
pub(crate) fn contiguous_from(synced: u64, present: &[u64]) -> u64 {
    let mut top = synced;
    for &seq in present {
        if seq == top + 1 {
            top = seq;
        } else if seq > top + 1 {
            break;
        }
    }
    top
}

/// Where eager syncing starts for a conversation: from what is synced, except that a
/// fresh device (nothing synced) only takes the newest `window` messages.
pub(crate) fn sync_start(synced: u64, server_max: u64, window: u64) -> u64 {
    if synced == 0 && server_max > window {
        server_max - window
    } else {
        synced
    }
}

/// Unread count: messages after the read seq, not counting my own.
pub(crate) fn unread(max_seq: u64, read_seq: u64, own_after_read: u64) -> u64 {
    max_seq
        .saturating_sub(read_seq)
        .saturating_sub(own_after_read)
}

/// One queued message's retry bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OutboxEntry {
    /// The message.
    pub client_id: ClientMsgId,
    /// When it was queued (or resent by hand), ms.
    pub queued_at: i64,
    /// Unanswered sends so far.
    pub attempts: u32,
    /// Not before this time, ms.
    pub next_try_at: i64,
    /// A send is waiting for its answer.
    pub in_flight: bool,
    /// Given up on (budget spent or refused); kept until resent.
    pub failed: bool,
}

/// What happened to an entry after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// It stays queued and will be retried.
    Retry,
    /// It is now failed.
    Failed,
}

/// The outbox: messages are sent in queue order, several in flight at once on one
/// connection (so they keep the order the user typed them), retried after unanswered attempts, and failed once the
/// [`RetryPolicy`] is spent. A failed message no longer holds back the ones after it.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    policy: RetryPolicy,
    entries: VecDeque<OutboxEntry>,
    /// The client ids in `entries`: an ack or a re-load asks whether an id is
    /// queued without scanning a queue that may hold 100,000 messages (a bulk
    /// send, a long time offline). Sends and acks happen near the front, so
    /// finding the entry itself stays short.
    ids: HashSet<ClientMsgId>,
}

impl Outbox {
    /// An empty outbox.
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            entries: VecDeque::new(),
            ids: HashSet::new(),
        }
    }

    /// Removes `id`'s entry; whether there was one.
    fn remove(&mut self, id: &ClientMsgId) -> bool {
        if !self.ids.remove(id) {
            return false;
        }
        if let Some(pos) = self.entries.iter().position(|e| &e.client_id == id) {
            self.entries.remove(pos);
        }
        true
    }

    /// Queues (or re-loads after a restart) an entry at the back.
    pub(crate) fn push(&mut self, entry: OutboxEntry) {
        self.remove(&entry.client_id);
        self.ids.insert(entry.client_id.clone());
        self.entries.push_back(entry);
    }

    /// Queues a new message (a fresh client id) at `now`.
    pub(crate) fn queue(&mut self, client_id: ClientMsgId, now: i64) {
        if !self.ids.insert(client_id.clone()) {
            return;
        }
        self.entries.push_back(OutboxEntry {
            client_id,
            queued_at: now,
            attempts: 0,
            next_try_at: now,
            in_flight: false,
            failed: false,
        });
    }

    /// The entry for `id`.
    pub(crate) fn get(&self, id: &ClientMsgId) -> Option<&OutboxEntry> {
        if !self.ids.contains(id) {
            return None;
        }
        self.entries.iter().find(|e| &e.client_id == id)
    }

    fn get_mut(&mut self, id: &ClientMsgId) -> Option<&mut OutboxEntry> {
        if !self.ids.contains(id) {
            return None;
        }
        self.entries.iter_mut().find(|e| &e.client_id == id)
    }

    /// The next message to send now: the oldest live entry that is not in flight, if
    /// its retry pause is over. Entries in flight before it do not hold it back (sends
    /// are pipelined on one connection, which stores them in order); one waiting for
    /// its retry pause holds back everything after it, so the queue order is kept.
    pub(crate) fn next_due(&self, now: i64) -> Option<ClientMsgId> {
        let head = self.entries.iter().find(|e| !e.failed && !e.in_flight)?;
        (head.next_try_at <= now).then(|| head.client_id.clone())
    }

    /// The live entry queued right before `id` when it is in flight: a pipelined
    /// send of `id` must only be stored after it (the `send` request's `after`).
    pub(crate) fn after(&self, id: &ClientMsgId) -> Option<ClientMsgId> {
        let pos = self.entries.iter().position(|e| &e.client_id == id)?;
        let prev = self.entries.iter().take(pos).rev().find(|e| !e.failed)?;
        prev.in_flight.then(|| prev.client_id.clone())
    }

    /// Entries in flight.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.entries.iter().filter(|e| e.in_flight).count()
    }

    /// A send of `id` starts; returns the attempt number.
    pub(crate) fn start(&mut self, id: &ClientMsgId) -> u32 {
        match self.get_mut(id) {
            Some(e) => {
                e.in_flight = true;
                e.attempts += 1;
                e.attempts
            }
            None => 0,
        }
    }

    /// The server stored `id`; returns whether it was still queued.
    pub(crate) fn acked(&mut self, id: &ClientMsgId) -> bool {
        self.remove(id)
    }

    /// A send of `id` got no answer (timeout, connection lost, server busy).
    pub(crate) fn unanswered(&mut self, id: &ClientMsgId, now: i64) -> Verdict {
        let policy = self.policy;
        let Some(e) = self.get_mut(id) else {
            return Verdict::Retry;
        };
        e.in_flight = false;
        e.next_try_at = now + policy.retry_delay_ms as i64;
        if e.attempts >= policy.max_attempts || Self::too_old(&policy, e, now) {
            e.failed = true;
            return Verdict::Failed;
        }
        Verdict::Retry
    }

    /// The server refused `id` for good (e.g. blocked): it fails at once.
    pub(crate) fn refused(&mut self, id: &ClientMsgId) {
        if let Some(e) = self.get_mut(id) {
            e.in_flight = false;
            e.failed = true;
        }
    }

    /// Fails every idle live entry older than the budget; returns their ids.
    pub(crate) fn expire(&mut self, now: i64) -> Vec<ClientMsgId> {
        let policy = self.policy;
        let mut out = Vec::new();
        for e in self.entries.iter_mut() {
            if !e.failed && !e.in_flight && Self::too_old(&policy, e, now) {
                e.failed = true;
                out.push(e.client_id.clone());
            }
        }
        out
    }

    /// A manual resend: the entry gets a fresh budget (queued anew if unknown).
    pub(crate) fn resend(&mut self, id: &ClientMsgId, now: i64) {
        match self.get_mut(id) {
            Some(e) => {
                e.failed = false;
                e.attempts = 0;
                e.queued_at = now;
                e.next_try_at = now;
            }
            None => self.queue(id.clone(), now),
        }
    }

    /// Entries not failed (queued or in flight).
    pub(crate) fn live(&self) -> usize {
        self.entries.iter().filter(|e| !e.failed).count()
    }

    fn too_old(policy: &RetryPolicy, e: &OutboxEntry, now: i64) -> bool {
        now - e.queued_at >= policy.max_age_ms as i64
    }
}

#[cfg(test)]
mod tests;
