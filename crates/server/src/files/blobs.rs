//! Content-addressed blobs on disk: `<files>/ab/cd/<sha256>`, written through
//! a temp file in `<files>/tmp/` that is removed unless it becomes a blob.
//! `<files>` is `files_dir` (the nodes of a cluster share it), by default
//! `<data_dir>/files`; see `Config::files_root`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// `<files>/tmp`, where uploads stream to.
pub fn tmp_dir(files: &Path) -> PathBuf {
    files.join("tmp")
}

/// Where the bytes with this sha256 (lower-case hex) live.
pub fn blob_path(files: &Path, sha256: &str) -> PathBuf {
    files.join(&sha256[0..2]).join(&sha256[2..4]).join(sha256)
}

/// Removes temp files named `<prefix>…` left by uploads that a crash or kill
/// cut short (at start, before any upload can be running). In a cluster the
/// prefix names the node, so a node starting never removes another node's
/// upload in progress from the shared directory.
pub fn clean_tmp(files: &Path, prefix: &str) -> std::io::Result<usize> {
    let mut removed = 0;
    let entries = match std::fs::read_dir(tmp_dir(files)) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// An upload in progress: a temp file and the running hash. Dropping it
/// before [`TempBlob::commit`] removes the temp file (refused, failed or
/// abandoned uploads leave nothing behind).
pub struct TempBlob {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    hash: Sha256,
    len: u64,
}

impl TempBlob {
    /// A new, empty temp file named `<prefix><random>`.
    pub async fn create(files: &Path, prefix: &str) -> std::io::Result<Self> {
        let dir = tmp_dir(files);
        crate::fsperm::private_dir(&dir)?;
        let path = dir.join(format!("{prefix}{}", crate::auth::random_id()));
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let file = options.open(&path).await?;
        Ok(Self {
            path,
            file: Some(file),
            hash: Sha256::new(),
            len: 0,
        })
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.len
    }

    /// Appends `chunk`.
    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        let file = self.file.as_mut().expect("written before commit");
        file.write_all(chunk).await?;
        self.hash.update(chunk);
        self.len += chunk.len() as u64;
        Ok(())
    }

    /// Makes the bytes durable and moves them to their content address (or
    /// drops them when that blob exists already). Returns the sha256 hex.
    pub async fn commit(mut self, files: &Path) -> std::io::Result<String> {
        let mut file = self.file.take().expect("committed once");
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        let sha256 = hex::encode(std::mem::take(&mut self.hash).finalize());
        let dest = blob_path(files, &sha256);
        if tokio::fs::try_exists(&dest).await? {
            // Same bytes stored before: keep one copy (dropping `self` removes ours).
            return Ok(sha256);
        }
        let parent = dest.parent().expect("blob has a parent").to_path_buf();
        crate::fsperm::private_dir(&parent)?;
        // Same file system, so the rename is atomic: a blob is whole or absent.
        tokio::fs::rename(&self.path, &dest).await?;
        // The new name (and the directories made for it) must survive a power
        // loss as the bytes do: the upload is acknowledged after this.
        let files = files.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut dir = parent.as_path();
            loop {
                crate::fsperm::sync_dir(dir)?;
                if dir == files {
                    return Ok::<_, std::io::Error>(());
                }
                dir = dir.parent().expect("inside the files dir");
            }
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(sha256)
    }
}

impl Drop for TempBlob {
    fn drop(&mut self) {
        // After a successful rename this fails with NotFound, which is fine.
        let _ = std::fs::remove_file(&self.path);
    }
}
