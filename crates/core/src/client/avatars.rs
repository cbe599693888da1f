//! Avatars: uploading an image as my avatar or a group's (`POST /files`, then
//! `set_profile` / `update_group`), and a per-account cache of avatar images
//! downloaded by file id (`<account dir>/files/<file id>/avatar`).
//!
//! An avatar id is immutable (a new avatar is a new upload with a new id), so a
//! cached copy never goes stale: it is fetched once per account. Both directions
//! are capped at [`MAX_AVATAR_BYTES`] and accept only PNG, JPEG, GIF or WebP,
//! recognised from the bytes (never from a name or a server header).

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use tern_proto::files::{FILES_PATH, FILE_NAME_HEADER};
use tern_proto::{FileId, GroupId, GroupInfo, Profile, Uploaded};

use super::files::http_base;
use super::{Client, ProfileUpdate};
use crate::error::{Detail, Error, Result};
use crate::types::GroupUpdate;

/// Largest avatar image uploaded or downloaded (the app uploads a 512×512 crop).
pub const MAX_AVATAR_BYTES: usize = 2 * 1024 * 1024;

/// Largest avatar canvas, in pixels (width × height), uploaded or downloaded.
/// A webview decodes an image whole: a small file declaring a huge canvas (a
/// "decompression bomb": 2 MiB of PNG can declare 30,000 × 30,000, 3.6 GB
/// decoded) would take that much memory wherever the avatar shows.
pub const MAX_AVATAR_PIXELS: u64 = 4096 * 4096;

/// A cached avatar image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Avatar {
    /// Where the bytes are (inside the account's file cache).
    pub path: PathBuf,
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`, from the bytes.
    pub mime: &'static str,
}

/// The image type of `bytes` from their header, if an avatar may be one.
pub(super) fn avatar_mime(bytes: &[u8]) -> Option<&'static str> {
    #[allow(unreachable_patterns)]
    match imagesize::image_type(bytes).ok()? {
        imagesize::ImageType::Png => Some("image/png"),
        imagesize::ImageType::Jpeg => Some("image/jpeg"),
        imagesize::ImageType::Gif => Some("image/gif"),
        imagesize::ImageType::Webp => Some("image/webp"),
        _ => None,
    }
}

fn checked(bytes: &[u8]) -> Result<&'static str> {
    if bytes.len() > MAX_AVATAR_BYTES {
        return Err(Error::InvalidArgument(format!(
            "an avatar is at most {MAX_AVATAR_BYTES} bytes; this one is {}",
            bytes.len()
        )));
    }
    let mime = avatar_mime(bytes).ok_or_else(|| {
        Error::InvalidArgument("an avatar must be a PNG, JPEG, GIF or WebP image".into())
    })?;
    let size = imagesize::blob_size(bytes)
        .map_err(|e| Error::InvalidArgument(format!("an unreadable avatar image: {e}")))?;
    let pixels = size.width as u64 * size.height as u64;
    if pixels > MAX_AVATAR_PIXELS {
        return Err(Error::InvalidArgument(format!(
            "an avatar is at most {MAX_AVATAR_PIXELS} pixels; this one is {} × {}",
            size.width, size.height
        )));
    }
    Ok(mime)
}

impl Client {
    /// Uploads `bytes` (a PNG, JPEG, GIF or WebP image of at most
    /// [`MAX_AVATAR_BYTES`]) and returns its file id, ready for `set_profile` or
    /// `update_group`. The bytes are also put in the avatar cache.
    pub async fn upload_avatar(&self, bytes: Vec<u8>) -> Result<FileId> {
        let mime = checked(&bytes)?;
        let sh = self.shared()?;
        let token = sh.link.token();
        let url = format!("{}{FILES_PATH}", http_base(&sh.link.url()));
        let res = self
            .inner
            .files
            .http(&sh.config)?
            .post(&url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, mime)
            .header(FILE_NAME_HEADER, "avatar")
            .body(bytes.clone())
            .send()
            .await
            .map_err(|e| {
                let what = format!("upload to {url}: {e}");
                crate::tls::classify(e, what)
            })?;
        let status = res.status();
        let body = res
            .bytes()
            .await
            .map_err(|e| Error::Offline(Detail::of(e)))?;
        if !status.is_success() {
            return Err(
                match serde_json::from_slice::<tern_proto::WireError>(&body) {
                    Ok(we) => Error::Server(we),
                    Err(_) => Error::Protocol(format!("upload answered {status}").into()),
                },
            );
        }
        let up: Uploaded = serde_json::from_slice(&body).map_err(|e| {
            Error::Protocol(Detail::caused(format!("unexpected upload answer: {e}"), e))
        })?;
        if let Some(path) = self.avatar_path(&up.file.id) {
            let _ = write_cached(&path, &bytes).await;
        }
        Ok(up.file.id)
    }

    /// Uploads `bytes` and makes them my avatar; returns my profile as stored.
    pub async fn set_avatar(&self, bytes: Vec<u8>) -> Result<Profile> {
        let id = self.upload_avatar(bytes).await?;
        self.set_profile(ProfileUpdate {
            avatar: Some(id),
            ..Default::default()
        })
        .await
    }

    /// Uploads `bytes` and makes them a group's avatar (owner or admin).
    pub async fn set_group_avatar(&self, group: &GroupId, bytes: Vec<u8>) -> Result<GroupInfo> {
        let id = self.upload_avatar(bytes).await?;
        self.update_group(
            group,
            GroupUpdate {
                avatar: Some(id),
                ..Default::default()
            },
        )
        .await
    }

    /// The avatar image `id` from the account's cache, downloading it first when
    /// it is not there (any signed-in user may read an avatar). Refuses bytes
    /// over [`MAX_AVATAR_BYTES`], that are not an image, or that do not match the
    /// server's sha256 (ETag).
    pub async fn avatar(&self, id: &FileId) -> Result<Avatar> {
        let path = self
            .avatar_path(id)
            .ok_or_else(|| Error::InvalidArgument(format!("file id {id} is not an avatar")))?;
        if let Ok(bytes) = tokio::fs::read(&path).await {
            if let Ok(mime) = checked(&bytes) {
                return Ok(Avatar { path, mime });
            }
        }
        let bytes = self.fetch_avatar(id).await?;
        let mime = checked(&bytes)?;
        write_cached(&path, &bytes).await?;
        Ok(Avatar { path, mime })
    }

    async fn fetch_avatar(&self, id: &FileId) -> Result<Vec<u8>> {
        let sh = self.shared()?;
        let token = sh.link.token();
        let url = format!("{}{FILES_PATH}/{id}", http_base(&sh.link.url()));
        let mut res = self
            .inner
            .files
            .http(&sh.config)?
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| {
                let what = format!("download from {url}: {e}");
                crate::tls::classify(e, what)
            })?;
        if !res.status().is_success() {
            return Err(Error::Protocol(
                format!("avatar {id}: the server answered {}", res.status()).into(),
            ));
        }
        let etag = res
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim_matches('"').to_ascii_lowercase());
        let mut bytes = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| Error::Offline(Detail::caused(format!("download interrupted: {e}"), e)))?
        {
            if bytes.len() + chunk.len() > MAX_AVATAR_BYTES {
                return Err(Error::Protocol(
                    format!("avatar {id} is over {MAX_AVATAR_BYTES} bytes").into(),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if etag.is_some_and(|e| e != hex::encode(Sha256::digest(&bytes))) {
            return Err(Error::Protocol(
                "avatar bytes do not match the server's sha256".into(),
            ));
        }
        Ok(bytes)
    }

    /// `<account dir>/files/<id>/avatar`, or `None` for an id that cannot be a
    /// directory name or when signed out.
    fn avatar_path(&self, id: &FileId) -> Option<PathBuf> {
        let s = id.as_str();
        if s.is_empty() || s.starts_with('.') || s.contains(['/', '\\']) {
            return None;
        }
        Some(self.account_dir()?.join("files").join(s).join("avatar"))
    }
}

/// Writes a cache file atomically (a private temporary file renamed into place).
async fn write_cached(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("avatar path has a parent");
    crate::private_fs::create_private_dir_all(dir)?;
    let part = dir.join(format!(".avatar.part-{}", uuid::Uuid::new_v4().simple()));
    let r = async {
        use tokio::io::AsyncWriteExt;
        let mut out = tokio::fs::OpenOptions::from(crate::private_fs::private_file_options())
            .open(&part)
            .await?;
        out.write_all(bytes).await?;
        out.flush().await?;
        drop(out);
        tokio::fs::rename(&part, path).await?;
        Ok(())
    }
    .await;
    if r.is_err() {
        let _ = tokio::fs::remove_file(&part).await;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_images_are_avatars() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
        assert_eq!(checked(png).unwrap(), "image/png");
        assert!(checked(b"<svg xmlns='http://www.w3.org/2000/svg'/>").is_err());
        assert!(checked(b"\x7fELF\x02\x01\x01").is_err());
        let mut big = png.to_vec();
        big.resize(MAX_AVATAR_BYTES + 1, 0);
        assert!(checked(&big).is_err());
        // A small file declaring a huge canvas.
        let mut bomb = png.to_vec();
        bomb[16..20].copy_from_slice(&5000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&5000u32.to_be_bytes());
        assert!(checked(&bomb).is_err());
        bomb[16..20].copy_from_slice(&4096u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&4096u32.to_be_bytes());
        assert_eq!(checked(&bomb).unwrap(), "image/png");
    }
}
