//! The bytes of each user's uploads in progress (files/quota.rs checks them against
//! `security.user_quota_bytes`), so concurrent uploads count together; and the
//! per-user lock an upload's final check and recording take. Apart from `files/` so that the
//! shared state (`state.rs`) can hold it without importing the HTTP adapter.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tern_proto::UserId;

/// The bytes received so far by each user's uploads in progress, and the
/// per-user locks the final check and the recording of an upload take.
#[derive(Default)]
pub struct UploadLedger {
    inflight: Mutex<HashMap<UserId, u64>>,
    recording: Mutex<HashMap<UserId, Arc<tokio::sync::Mutex<()>>>>,
}

/// Users' recording locks kept before unused ones are dropped.
const KEEP_LOCKS: usize = 1_024;

impl UploadLedger {
    /// Held from an upload's final quota check until its row is recorded: one
    /// upload of `user` at a time (so two cannot both pass the check), while
    /// other users' uploads go on (one lock for the server made every upload
    /// wait behind every other's fsync).
    pub async fn recording(&self, user: &UserId) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut m = self.recording.lock().unwrap_or_else(|e| e.into_inner());
            if m.len() >= KEEP_LOCKS {
                m.retain(|_, l| Arc::strong_count(l) > 1);
            }
            m.entry(user.clone()).or_default().clone()
        };
        lock.lock_owned().await
    }

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

    #[tokio::test]
    async fn recording_is_one_at_a_time_per_user_only() {
        let ledger = UploadLedger::default();
        let (a, b) = (UserId::new("alice").unwrap(), UserId::new("bob").unwrap());
        let held = ledger.recording(&a).await;
        let wait = std::time::Duration::from_millis(50);
        assert!(
            tokio::time::timeout(wait, ledger.recording(&b))
                .await
                .is_ok(),
            "bob does not wait for alice"
        );
        assert!(
            tokio::time::timeout(wait, ledger.recording(&a))
                .await
                .is_err(),
            "alice's second upload waits for her first"
        );
        drop(held);
        assert!(tokio::time::timeout(wait, ledger.recording(&a))
            .await
            .is_ok());
    }
}
