//! The per-user upload quota (`security.user_quota_bytes`) across concurrent
//! uploads. An upload used to compare its bytes with what the user had stored when
//! it started, so N uploads at once each saw the same room and together stored N
//! times the quota. Now the bytes of a user's uploads in progress count together
//! while they stream, and the last check — what the user has stored now, read
//! again — and the recording of the upload happen one at a time on this node.

use tern_proto::ErrorCode;

use crate::admin::error::ApiError;
pub(super) use crate::upload_ledger::InFlight;

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
