//! Whether PostgreSQL answers. A database that refuses connections fails
//! requests at once; one that accepts them but does not answer (a hung host,
//! a network partition, a frozen process) would make every request wait out
//! its own timeout, one after the other where they queue behind a stripe. So
//! once a request finds it not answering — a transaction attempt past its
//! timeout, or a new connection not set up within the pool's create timeout —
//! the database is marked down: requests are answered `Unavailable` at once,
//! except one probe at a time, the first one [`DOWN_FOR`] after the last
//! failure. The first answer the database gives (to a probe) marks it up.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use deadpool_postgres::Object;

use super::ATTEMPT_TIMEOUT;
use crate::storage::StoreError;

/// How long requests fail fast after the database was found not answering.
pub(super) const DOWN_FOR: Duration = Duration::from_secs(1);

/// The message of a fast failure.
const NOT_ANSWERING: &str = "the database is not answering";

#[derive(Debug)]
pub(crate) struct Availability {
    epoch: Instant,
    down: AtomicBool,
    /// While down: milliseconds since `epoch` from which the next request may
    /// try the database (a probe).
    next_probe: AtomicU64,
}

impl Availability {
    pub(crate) fn new() -> Self {
        Self {
            epoch: Instant::now(),
            down: AtomicBool::new(false),
            next_probe: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Ok when the database is up, or for the one request that probes it;
    /// `Unavailable` at once otherwise.
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        if !self.down.load(Ordering::Relaxed) {
            return Ok(());
        }
        let now = self.now();
        let next = self.next_probe.load(Ordering::Relaxed);
        // A probe holds the turn until it ends or its attempt times out.
        let hold = now.saturating_add(ATTEMPT_TIMEOUT.as_millis() as u64);
        if now >= next
            && self
                .next_probe
                .compare_exchange(next, hold, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return Ok(());
        }
        Err(StoreError::Unavailable(NOT_ANSWERING.into()))
    }

    /// The database did not answer (`why`): mark it down.
    pub(crate) fn not_answering(&self, why: &str) {
        let next = self.now().saturating_add(DOWN_FOR.as_millis() as u64);
        self.next_probe.store(next, Ordering::Relaxed);
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!("{NOT_ANSWERING} ({why}); requests are answered Unavailable");
        }
    }

    /// How an attempt ended (`None`: it committed): any answer of the
    /// database marks it up; a lost or refused connection while it is down
    /// lets the next probe go after [`DOWN_FOR`].
    pub(crate) fn observed(&self, error: Option<&StoreError>) {
        if !self.down.load(Ordering::Relaxed) {
            return;
        }
        if let Some(StoreError::Unavailable(_)) = error {
            let next = self.now().saturating_add(DOWN_FOR.as_millis() as u64);
            self.next_probe.store(next, Ordering::Relaxed);
        } else if self.down.swap(false, Ordering::Relaxed) {
            tracing::warn!("the database answers again");
        }
    }

    /// An attempt on `client` ran past `timeout`: the connection is taken
    /// out of the pool and dropped (its state is unknown), the database is
    /// marked down, and the request gets `Unavailable` — a send whose COMMIT
    /// may have reached the database is deduplicated when the client sends
    /// it again.
    pub(crate) fn abandon(&self, client: Object, timeout: Duration) -> StoreError {
        drop(Object::take(client));
        let why = format!("no answer within {timeout:?}");
        self.not_answering(&why);
        StoreError::Unavailable(format!("{NOT_ANSWERING}: {why}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unavailable(a: &Availability) -> bool {
        matches!(a.check(), Err(StoreError::Unavailable(_)))
    }

    #[test]
    fn down_fails_fast_lets_one_probe_through_and_an_answer_brings_it_back() {
        let a = Availability::new();
        assert!(!unavailable(&a), "up at start");
        a.not_answering("test");
        assert!(unavailable(&a), "fails fast right after a timeout");
        // After DOWN_FOR, exactly one request probes; the others still fail.
        a.next_probe.store(a.now(), Ordering::Relaxed);
        assert!(!unavailable(&a), "the probe");
        assert!(unavailable(&a), "only one probe at a time");
        // The probe's connection was refused: the next probe after DOWN_FOR.
        a.observed(Some(&StoreError::Unavailable("refused".into())));
        assert!(unavailable(&a));
        a.next_probe.store(a.now(), Ordering::Relaxed);
        assert!(!unavailable(&a), "the next probe");
        // It got an answer (here a commit): up again, for everyone.
        a.observed(None);
        assert!(!unavailable(&a) && !unavailable(&a));
        // A refusal while up changes nothing.
        a.observed(Some(&StoreError::Unavailable("refused".into())));
        assert!(!unavailable(&a));
    }
}
