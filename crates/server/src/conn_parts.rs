//! Two parts of the connection loop ([`crate::connection`]) kept small because
//! every idle connection carries them (tern-bench S4): its deadlines, served by
//! one timer instead of one `Sleep` (112 bytes) each, and its queue of
//! pipelined sends, allocated only while sends are pending.

use axum::extract::ws::Utf8Bytes;
use futures_util::stream::{FuturesOrdered, StreamExt};
use tokio::time::Instant;

/// A pipelined request awaiting its commit; it yields its encoded response
/// frame (small, where the result itself would make every connection's loop
/// state larger by its size).
pub(crate) type Inflight = std::pin::Pin<Box<dyn std::future::Future<Output = Utf8Bytes> + Send>>;

/// Which deadline passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// Not logged in in time.
    Auth,
    /// The session's token expired.
    Expiry,
    /// Nothing received for the idle timeout.
    Idle,
}

/// A connection's deadlines; the earliest one arms its single timer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    /// Idle timeout, moved on by every frame received.
    pub(crate) idle: Instant,
    /// Login deadline, while not logged in.
    pub(crate) auth: Option<Instant>,
    /// Token expiry, while logged in with a token that expires.
    pub(crate) expiry: Option<Instant>,
}

impl Deadlines {
    /// When the timer must fire next.
    pub(crate) fn next(&self) -> Instant {
        [self.auth, self.expiry]
            .into_iter()
            .flatten()
            .fold(self.idle, Instant::min)
    }

    /// The deadline that has passed at `now`, if any (login first, then expiry,
    /// then idle, when several have).
    pub(crate) fn due(&self, now: Instant) -> Option<Due> {
        if self.auth.is_some_and(|t| now >= t) {
            Some(Due::Auth)
        } else if self.expiry.is_some_and(|t| now >= t) {
            Some(Due::Expiry)
        } else if now >= self.idle {
            Some(Due::Idle)
        } else {
            None
        }
    }
}

/// Pipelined sends, acked in request order. `FuturesOrdered::new` allocates
/// (≈ 200 bytes in two blocks) and the struct is ≈ 90 bytes, so the queue is
/// boxed and made at the first send; it stays while the client keeps sending
/// (three allocations per send otherwise) and goes at its next ping.
#[derive(Default)]
pub(crate) struct Pipeline(Option<Box<FuturesOrdered<Inflight>>>);

impl Pipeline {
    /// Queues a send.
    pub(crate) fn push_back(&mut self, f: Inflight) {
        self.0
            .get_or_insert_with(|| Box::new(FuturesOrdered::new()))
            .push_back(f);
    }

    /// Sends pending.
    pub(crate) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |q| q.len())
    }

    /// No send pending.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The oldest send's response once it (and every earlier one) is done;
    /// `None` when nothing is pending.
    pub(crate) async fn next(&mut self) -> Option<Utf8Bytes> {
        self.0.as_mut()?.next().await
    }

    /// The oldest send's response if it is done already, without waiting.
    /// (A waker polled here is replaced by the connection loop's own, which
    /// polls [`Pipeline::next`] again before the task sleeps.)
    pub(crate) fn ready(&mut self) -> Option<Utf8Bytes> {
        use futures_util::FutureExt;
        self.0.as_mut()?.next().now_or_never().flatten()
    }

    /// Gives the queue's memory back if nothing is pending.
    pub(crate) fn release_if_empty(&mut self) {
        if self.is_empty() {
            self.0 = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_earliest_deadline_arms_the_timer_and_login_is_checked_first() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut d = Deadlines {
            idle: t0 + 10 * s,
            auth: Some(t0 + 5 * s),
            expiry: None,
        };
        assert_eq!(d.next(), t0 + 5 * s);
        assert_eq!(d.due(t0 + 4 * s), None);
        assert_eq!(d.due(t0 + 5 * s), Some(Due::Auth));
        // Logged in, with a token expiring before the idle timeout.
        d.auth = None;
        d.expiry = Some(t0 + 7 * s);
        assert_eq!(d.next(), t0 + 7 * s);
        assert_eq!(d.due(t0 + 6 * s), None);
        assert_eq!(d.due(t0 + 11 * s), Some(Due::Expiry));
        d.expiry = Some(t0 + 60 * s);
        assert_eq!(d.next(), t0 + 10 * s);
        assert_eq!(d.due(t0 + 10 * s), Some(Due::Idle));
    }

    #[tokio::test]
    async fn the_pipeline_answers_in_order_and_is_released_once_empty() {
        let mut p = Pipeline::default();
        assert!(p.is_empty() && p.next().await.is_none());
        for id in 1..=3u64 {
            p.push_back(Box::pin(async move {
                // The first finishes last: answers still come in request order.
                tokio::time::sleep(Duration::from_millis(30 / id)).await;
                Utf8Bytes::from(id.to_string())
            }));
        }
        assert_eq!(p.len(), 3);
        for want in 1..=3u64 {
            let got = p.next().await.expect("pending");
            assert_eq!(got.as_str(), want.to_string());
        }
        assert!(p.0.is_some(), "kept while the client keeps sending");
        p.release_if_empty();
        assert!(p.0.is_none(), "the queue's memory is given back once empty");
    }
}
