//! The per-user upload quota (`security.user_quota_bytes`) across concurrent
//! uploads. An upload used to compare its bytes with what the user had stored when
//! it started, so N uploads at once each saw the same room and together stored N
//! times the quota. Now the bytes of a user's uploads in progress count together
//! while they stream, and the last check — what the user has stored now, read
//! again — and the recording of the upload happen one at a time on this node.

use std::collections::HashMap;
use std::sync::Mutex;

use tern_proto::{ErrorCode, UserId};

use crate::admin::error::ApiError;

/// The bytes received so far by each user's uploads in progress, and the lock
/// the final check and the recording of an upload take.
#[derive(Default)]
pub struct UploadLedger {
    inflight: Mutex<HashMap<UserId, u64>>,
    /// Held from an upload's final quota check until its row is recorded.
    pub(super) recording: tokio::sync::Mutex<()>,
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
pub(super) struct InFlight<'a> {
    ledger: &'a UploadLedger,
    user: UserId,
    bytes: u64,
}

impl<'a> InFlight<'a> {
    pub(super) fn start(ledger: &'a UploadLedger, user: &UserId) -> Self {
        Self {
            ledger,
            user: user.clone(),
            bytes: 0,
        }
    }

    /// Counts `n` more bytes of this upload; returns the user's bytes in progress,
    /// this upload's included.
    pub(super) fn add(&mut self, n: u64) -> u64 {
        self.bytes = self.bytes.saturating_add(n);
        self.ledger.add(&self.user, n)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.ledger.sub(&self.user, self.bytes);
    }
}

/// What a user has stored and may store.
pub(super) struct Quota {
    pub(super) used: u64,
    pub(super) limit: u64,
}

impl Quota {
    /// Refuses `upload` more bytes if they would take the user past the quota
    /// (0 = none).
    pub(super) fn check(&self, upload: u64) -> Result<(), ApiError> {
        if self.limit > 0 && self.used.saturating_add(upload) > self.limit {
            return Err(ApiError::new(
                ErrorCode::TooLarge,
                format!(
                    "your uploads use {} of your {} bytes (user_quota_bytes); delete messages with files or ask the administrator",
                    self.used, self.limit
                ),
            ));
        }
        Ok(())
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
