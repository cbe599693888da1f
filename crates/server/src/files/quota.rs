//! The per-user upload quota (`security.user_quota_bytes`) across concurrent
//! uploads. An upload used to compare its bytes with what the user had stored when
//! it started, so N uploads at once each saw the same room and together stored N
//! times the quota. Now the bytes of a user's uploads in progress count together
//! while they stream, and the last check — what the user has stored now, read
//! again — and the recording of the upload happen one at a time on this node.

use tern_proto::{ErrorCode, UserId};

use crate::admin::error::ApiError;
use crate::service::files;
use crate::state::Shared;

/// What a user has stored and may store.
pub(super) struct Quota {
    used: u64,
    limit: u64,
}

impl Quota {
    /// The user's quota and what their recorded uploads use of it now.
    pub(super) async fn of(s: &Shared, user: &UserId) -> Result<Self, ApiError> {
        Ok(Self {
            used: files::bytes_of(s, user).await?,
            limit: s.config.security.user_quota_bytes,
        })
    }

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
