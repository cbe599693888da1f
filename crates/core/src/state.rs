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
mod tests {
    use super::*;

    fn id(s: &str) -> ClientMsgId {
        ClientMsgId::new(s).unwrap()
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            max_age_ms: 10_000,
            retry_delay_ms: 100,
        }
    }

    #[test]
    fn acks_reloads_and_resends_keep_one_entry_per_id_in_a_long_queue() {
        let mut o = Outbox::new(policy());
        for i in 0..10_000 {
            o.queue(id(&format!("m{i}")), 0);
        }
        o.queue(id("m5"), 0);
        assert_eq!(o.live(), 10_000, "a queued id is not queued twice");
        // Acks arrive in queue order from the front.
        for i in 0..9_990 {
            let m = id(&format!("m{i}"));
            assert_eq!(o.next_due(0), Some(m.clone()));
            o.start(&m);
            assert!(o.acked(&m));
            assert!(!o.acked(&m), "a second ack finds nothing");
            assert!(o.get(&m).is_none());
        }
        assert_eq!(o.live(), 10);
        // A re-load after a restart replaces the entry, at the back.
        let entry = o.get(&id("m9990")).cloned().unwrap();
        o.push(entry);
        assert_eq!(o.live(), 10);
        assert_eq!(o.next_due(0), Some(id("m9991")));
        // A resend of an id no longer queued queues it anew, once.
        o.resend(&id("m0"), 1);
        o.resend(&id("m0"), 2);
        assert_eq!(o.live(), 11);
        assert!(o.acked(&id("m0")));
        assert_eq!(o.live(), 10);
    }

    #[test]
    fn backoff_grows_exponentially_caps_and_jitters() {
        let d = |a, j| backoff_delay(a, 500, 8_000, j).as_millis() as u64;
        assert_eq!((d(1, 0.0), d(1, 0.999)), (250, 499));
        assert_eq!(d(2, 0.0), 500);
        assert_eq!(d(3, 0.0), 1_000);
        assert_eq!(d(10, 0.0), 4_000, "capped at max/2 + jitter");
        assert!(d(10, 0.5) > d(10, 0.0) && d(10, 0.999) < 8_000);
        assert_eq!(d(200, 0.0), 4_000, "huge attempts do not overflow");
    }

    #[test]
    fn gaps_are_found_and_paged() {
        assert_eq!(missing_ranges(0, &[], 5, 100), vec![(1, 5)]);
        assert_eq!(missing_ranges(3, &[4, 5], 5, 100), Vec::<(u64, u64)>::new());
        assert_eq!(
            missing_ranges(3, &[5, 9], 10, 100),
            vec![(4, 4), (6, 8), (10, 10)]
        );
        assert_eq!(
            missing_ranges(0, &[], 250, 100),
            vec![(1, 100), (101, 200), (201, 250)]
        );
        assert_eq!(missing_ranges(5, &[2, 3], 4, 10), Vec::<(u64, u64)>::new());
    }

    #[test]
    fn contiguous_run_stops_at_the_first_hole() {
        assert_eq!(contiguous_from(3, &[4, 5, 7]), 5);
        assert_eq!(contiguous_from(3, &[5]), 3);
        assert_eq!(contiguous_from(0, &[1, 2, 3]), 3);
    }

    #[test]
    fn fresh_devices_sync_a_window_only() {
        assert_eq!(sync_start(0, 5_000, 1_000), 4_000);
        assert_eq!(sync_start(0, 10, 1_000), 0);
        assert_eq!(sync_start(4_500, 5_000, 1_000), 4_500);
    }

    #[test]
    fn unread_excludes_own_messages() {
        assert_eq!(unread(10, 4, 2), 4);
        assert_eq!(unread(3, 5, 0), 0);
        assert_eq!(unread(10, 4, 9), 0);
    }

    #[test]
    fn outbox_pipelines_in_order_and_a_retry_pause_holds_back_the_rest() {
        let mut o = Outbox::new(policy());
        o.queue(id("a"), 0);
        o.queue(id("b"), 0);
        o.queue(id("c"), 0);
        assert_eq!(o.next_due(0), Some(id("a")));
        o.start(&id("a"));
        assert_eq!(o.next_due(0), Some(id("b")), "a in flight does not hold b");
        o.start(&id("b"));
        assert_eq!(o.in_flight(), 2);
        assert_eq!(o.after(&id("a")), None);
        assert_eq!(o.after(&id("b")), Some(id("a")), "b is stored only after a");
        assert!(o.acked(&id("a")));
        assert!(!o.acked(&id("a")), "a second ack is a no-op");
        assert_eq!(o.unanswered(&id("b"), 0), Verdict::Retry);
        assert_eq!(o.next_due(50), None, "b's retry pause holds back c");
        assert_eq!(o.next_due(1_000), Some(id("b")));
    }

    #[test]
    fn outbox_retries_then_fails_after_max_attempts() {
        let mut o = Outbox::new(policy());
        o.queue(id("a"), 0);
        for attempt in 1..=3 {
            let now = attempt * 1_000;
            assert_eq!(o.next_due(now), Some(id("a")));
            assert_eq!(o.start(&id("a")), attempt as u32);
            assert_eq!(o.next_due(now + 50), None);
            let v = o.unanswered(&id("a"), now);
            assert_eq!(
                v,
                if attempt < 3 {
                    Verdict::Retry
                } else {
                    Verdict::Failed
                }
            );
            if attempt < 3 {
                assert_eq!(o.next_due(now + 50), None, "retry pause");
            }
        }
        assert_eq!(o.next_due(100_000), None);
        assert_eq!(o.live(), 0);
    }

    #[test]
    fn outbox_expires_by_age_even_without_attempts() {
        let mut o = Outbox::new(policy());
        o.queue(id("a"), 0);
        o.queue(id("b"), 5_000);
        assert!(o.expire(9_999).is_empty());
        assert_eq!(o.expire(10_000), vec![id("a")]);
        assert_eq!(
            o.next_due(10_000),
            Some(id("b")),
            "a failed one does not block"
        );
        assert_eq!(o.expire(15_000), vec![id("b")]);
    }

    #[test]
    fn refused_fails_at_once_and_resend_restores_the_budget() {
        let mut o = Outbox::new(policy());
        o.queue(id("a"), 0);
        o.start(&id("a"));
        o.refused(&id("a"));
        assert_eq!(o.next_due(1), None);
        o.resend(&id("a"), 50_000);
        assert_eq!(o.next_due(50_000), Some(id("a")));
        assert_eq!(o.get(&id("a")).unwrap().attempts, 0);
        assert!(o.expire(59_999).is_empty());
    }
}
