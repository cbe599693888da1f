//! The bytes of each user's uploads in progress (files/quota.rs checks them against
//! `security.user_quota_bytes`), so concurrent uploads count together; and the lock
//! an upload's final check and recording take. Apart from `files/` so that the
//! shared state (`state.rs`) can hold it without importing the HTTP adapter.

use std::collections::HashMap;
use std::sync::Mutex;

use tern_proto::UserId;

/// The bytes received so far by each user's uploads in progress, and the lock
/// the final check and the recording of an upload take.
#[derive(Default)]
pub struct UploadLedger {
    inflight: Mutex<HashMap<UserId, u64>>,
    /// Held from an upload's final quota check until its row is recorded.
    pub recording: tokio::sync::Mutex<()>,
}

impl UploadLedger {
    fn add(&self, user: &UserId, bytes: u64) -> u64 {
        let mut m = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(user.clone()).or_default();
        *n = n.saturating_add(bytes);
        *n
    }

    fn sub(&self, user: &UserId, bytes: u64) {
        let mut m = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(user) {
            *n = n.saturating_sub(bytes);
            if *n == 0 {
                m.remove(user);
            }
        }
    }
}

/// One upload's share of its user's bytes in progress; given back when dropped.
pub struct InFlight<'a> {
    ledger: &'a UploadLedger,
    user: UserId,
    bytes: u64,
}

impl<'a> InFlight<'a> {
    /// A new upload of `user`'s, with nothing received yet.
    pub fn start(ledger: &'a UploadLedger, user: &UserId) -> Self {
        Self {
            ledger,
            user: user.clone(),
            bytes: 0,
        }
    }

    /// Counts `n` more bytes of this upload; returns the user's bytes in progress,
    /// this upload's included.
    pub fn add(&mut self, n: u64) -> u64 {
        self.bytes = self.bytes.saturating_add(n);
        self.ledger.add(&self.user, n)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.ledger.sub(&self.user, self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_in_progress_count_together_until_each_ends() {
        let ledger = UploadLedger::default();
        let u = UserId::new("alice").unwrap();
        let mut a = InFlight::start(&ledger, &u);
        let mut b = InFlight::start(&ledger, &u);
        assert_eq!(a.add(10), 10);
        assert_eq!(b.add(5), 15);
        assert_eq!(a.add(1), 16);
        drop(a);
        assert_eq!(b.add(0), 5, "a's bytes are given back");
        drop(b);
        assert!(ledger.inflight.lock().unwrap().is_empty());
    }
}
