//! Uploads and downloads: the quota, recording an upload, and who may read a file.

use tern_proto::{FileId, UserId};

use super::ServiceResult;
use crate::state::Shared;
use crate::storage::FileRow;

/// Bytes `user` has uploaded (against `security.upload_quota`).
pub async fn bytes_of(s: &Shared, user: &UserId) -> ServiceResult<u64> {
    Ok(s.store.bytes_of(user).await?)
}

/// Records a finished upload.
pub async fn record_upload(s: &Shared, row: &FileRow) -> ServiceResult<()> {
    Ok(s.store.insert_file(row).await?)
}

/// The file if `user` may download it (their own upload, or referenced in a
/// conversation they can read from where they can see it), else `None`.
pub async fn readable(s: &Shared, id: &FileId, user: &UserId) -> ServiceResult<Option<FileRow>> {
    Ok(s.store.readable_file(id, user).await?)
}
