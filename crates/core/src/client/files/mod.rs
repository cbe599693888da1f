//! Sending and receiving files: streamed HTTP upload and download (`POST /files`,
//! `GET /files/{id}`, authenticated by the session token), progress events,
//! cancel, retries, and the per-account download cache.
//!
//! A file message is queued locally at once (state `sending`, its `FileRef`
//! carrying [`PENDING_FILE_ID`]); the upload runs in the background, and only
//! when it has finished is the message, with the real file id, handed to the
//! outbox under the same client id. So a cancel before that point sends
//! nothing, and a retry never duplicates the message.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tern_proto::{
    sanitize_file_name, ClientMsgId, Content, ConversationId, FileId, FileRef, Limits,
};
use tokio::sync::watch;

mod transfer;

use super::{new_client_id, Client};
use crate::error::{Detail, Error, Result};
use crate::event::Event;
use crate::session::Shared;
use crate::store::{files as uploads, messages as msgs, now_ms};
use crate::types::{LocalMessage, TransferDirection};
use transfer::{download, finished, upload_task};

/// The file id a queued file message carries until its upload has finished.
pub const PENDING_FILE_ID: &str = "pending";

/// Bytes read from disk per chunk of an upload.
const CHUNK: usize = 64 * 1024;

/// Uploads running in this client: each can be told to stop.
#[derive(Default)]
pub(crate) struct Transfers {
    running: Mutex<HashMap<ClientMsgId, watch::Sender<bool>>>,
    http: Mutex<Option<reqwest::Client>>,
}

impl Transfers {
    pub(super) fn http(&self, config: &crate::ClientConfig) -> Result<reqwest::Client> {
        let mut h = self.http.lock();
        if let Some(c) = h.as_ref() {
            return Ok(c.clone());
        }
        let tls = crate::tls::client_config(config.extra_ca_pem.as_deref())?;
        let c = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            // tern-server closes a kept-alive connection that sends no request
            // for its header timeout (10 s by default): drop idle ones before
            // that, so a request never races the server's close.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| Error::Offline(Detail::caused(format!("http client: {e}"), e)))?;
        *h = Some(c.clone());
        Ok(c)
    }
}

/// The HTTP base URL of the server: `ws://h:p/ws` → `http://h:p`, `wss` → `https`.
pub(super) fn http_base(server_url: &str) -> String {
    let ws = crate::transport::ws_url(server_url);
    let (scheme, rest) = ws.split_once("://").unwrap_or(("ws", &ws));
    let host = rest.split('/').next().unwrap_or("");
    let scheme = if scheme == "wss" { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// Largest image canvas, in pixels (width × height), an app should show inline
/// (40 million: a 36-megapixel camera's photos, not a 48-megapixel one's at
/// full size). A webview decodes an image whole, at 4 bytes a pixel: a small
/// file can declare a huge canvas (a "decompression bomb": a few hundred KB of
/// PNG declaring 30,000 × 30,000 is 3.6 GB decoded), so a received image over
/// this is offered as a file (open, save) instead.
pub const MAX_SHOWN_PIXELS: u64 = 40_000_000;

/// Whether the image at `path` may be shown inline: a PNG, JPEG, GIF or WebP by
/// its header (not by its name or a declared type) whose canvas is at most
/// [`MAX_SHOWN_PIXELS`]. Reads only the header.
pub fn showable_image(path: &Path) -> bool {
    image_info(path).is_some_and(|(_, w, h)| u64::from(w) * u64::from(h) <= MAX_SHOWN_PIXELS)
}

/// The MIME type of an image kind the server shows inline, with the content
/// read from the file's header (not trusted from its name).
fn image_info(path: &Path) -> Option<(&'static str, u32, u32)> {
    let mut header = [0u8; 64];
    let mut f = std::fs::File::open(path).ok()?;
    let n = std::io::Read::read(&mut f, &mut header).ok()?;
    #[allow(unreachable_patterns)]
    let mime = match imagesize::image_type(&header[..n]).ok()? {
        imagesize::ImageType::Png => "image/png",
        imagesize::ImageType::Jpeg => "image/jpeg",
        imagesize::ImageType::Gif => "image/gif",
        imagesize::ImageType::Webp => "image/webp",
        _ => return None,
    };
    let size = imagesize::size(path).ok()?;
    Some((mime, size.width as u32, size.height as u32))
}

impl Client {
    /// The server's limits from the last handshake (`None` before the first connection).
    pub fn limits(&self) -> Option<Limits> {
        self.shared().ok().and_then(|sh| sh.link.limits())
    }

    /// Queues a file (an image when its header says PNG, JPEG, GIF or WebP; its
    /// width and height are read from the header) for sending to `conv`.
    ///
    /// Returns at once with the local message (state `sending`, content
    /// [`Content::File`] or [`Content::Image`] whose `FileRef` id is
    /// [`PENDING_FILE_ID`] until uploaded). The upload runs in the background,
    /// emitting [`Event::TransferProgress`] (transfer = the client id) and
    /// [`Event::TransferFinished`]; then the message, with the real file id, goes
    /// through the outbox under the same client id ([`Event::MessageAcked`]).
    /// Uploads that fail for a transient reason are retried with backoff under
    /// the [`crate::RetryPolicy`]; then the message is `failed` and
    /// [`Client::resend`] uploads again.
    ///
    /// The message joins the outbox queue when its upload finishes, so text
    /// sent meanwhile is delivered before it. An upload cut short by a restart
    /// starts again after the next login; the file must still be at `path`.
    pub async fn send_file(&self, conv: &ConversationId, path: &Path) -> Result<LocalMessage> {
        let sh = self.shared()?;
        if let ConversationId::Direct(..) = conv {
            if conv.peer_of(&sh.me).is_none() {
                return Err(Error::InvalidArgument(format!(
                    "{conv} is not my conversation"
                )));
            }
        }
        let path = std::path::absolute(path)?;
        let meta = tokio::fs::metadata(&path)
            .await
            .map_err(|e| Error::InvalidArgument(format!("{}: {e}", path.display())))?;
        if !meta.is_file() {
            return Err(Error::InvalidArgument(format!(
                "{} is not a file",
                path.display()
            )));
        }
        if let Some(max) = self.limits().map(|l| l.max_file_bytes) {
            if meta.len() > max {
                return Err(Error::InvalidArgument(format!(
                    "the file is {} bytes; this server accepts at most {max}",
                    meta.len()
                )));
            }
        }
        let name = sanitize_file_name(
            &path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let p = path.clone();
        let image = tokio::task::spawn_blocking(move || image_info(&p))
            .await
            .map_err(|e| Error::Storage(Detail::of(e)))?;
        let placeholder = |mime: String| FileRef {
            id: FileId::new(PENDING_FILE_ID).expect("valid id"),
            name: name.clone(),
            size: meta.len(),
            mime,
        };
        let content = match image {
            Some((mime, width, height)) => Content::Image {
                file: placeholder(mime.to_string()),
                width,
                height,
            },
            None => Content::File {
                file: placeholder(
                    mime_guess::from_path(&path)
                        .first_raw()
                        .unwrap_or("application/octet-stream")
                        .to_string(),
                ),
            },
        };
        let id = new_client_id();
        let (me, key, cid, c2, p) = (
            sh.me.clone(),
            conv.clone(),
            id.clone(),
            content,
            path.clone(),
        );
        let msg = sh
            .db
            .call(move |c| uploads::queue_upload(c, &me, &key, &cid, &c2, &p, now_ms()))
            .await?;
        sh.emit(Event::NewMessage {
            message: Box::new(msg.clone()),
            live: true,
        });
        sh.conv_changed(conv).await?;
        self.start_upload(&sh, id, path);
        Ok(msg)
    }

    /// Cancels an upload that has not finished: stops it, removes the local
    /// message ([`Event::MessageRemoved`]); nothing is ever sent. Also removes a
    /// file message whose upload failed. Fails with `InvalidArgument` once the
    /// upload has finished (the message is then being sent; recall it instead).
    pub async fn cancel_upload(&self, client_id: &ClientMsgId) -> Result<()> {
        let sh = self.shared()?;
        if let Some(stop) = self.inner.files.running.lock().remove(client_id) {
            let _ = stop.send(true);
        }
        let (me, id) = (sh.me.clone(), client_id.clone());
        let removed = sh
            .db
            .call(move |c| uploads::cancel_upload(c, &me, &id))
            .await?;
        let Some(msg) = removed else {
            return Err(Error::InvalidArgument(format!(
                "no unfinished upload for message {client_id}"
            )));
        };
        sh.emit(Event::MessageRemoved {
            conv: msg.conv.clone(),
            client_id: client_id.clone(),
        });
        finished(
            &sh,
            client_id.to_string(),
            TransferDirection::Upload,
            Some("cancelled".into()),
        );
        sh.conv_changed(&msg.conv).await
    }

    /// Restarts the upload of a failed file message, if it never finished.
    /// `None` when `client_id` has no unfinished upload (a normal resend then).
    pub(crate) async fn resend_upload(
        &self,
        client_id: &ClientMsgId,
    ) -> Result<Option<LocalMessage>> {
        let sh = self.shared()?;
        let (me, id) = (sh.me.clone(), client_id.clone());
        let Some(up) = sh
            .db
            .call(move |c| uploads::pending_upload(c, &me, &id))
            .await?
        else {
            return Ok(None);
        };
        let (me, id) = (sh.me.clone(), client_id.clone());
        let msg = sh
            .db
            .call(move |c| {
                uploads::mark_uploading(c, &me, &id)?;
                msgs::message_by_client_id(c, &me, &me, &id)
            })
            .await?;
        self.start_upload(&sh, client_id.clone(), up.path);
        sh.conv_changed(&up.conv).await?;
        Ok(msg)
    }

    /// Restarts the uploads that were running when the app last stopped.
    pub(crate) async fn resume_uploads(&self) -> Result<()> {
        let sh = self.shared()?;
        let me = sh.me.clone();
        let pending = sh
            .db
            .call(move |c| uploads::pending_uploads(c, &me))
            .await?;
        for up in pending.into_iter().filter(|u| !u.failed) {
            self.start_upload(&sh, up.client_id, up.path);
        }
        Ok(())
    }

    /// Spawns the upload task of `id` unless one is running.
    fn start_upload(&self, sh: &Arc<Shared>, id: ClientMsgId, path: PathBuf) {
        let (stop, stopped) = watch::channel(false);
        {
            let mut running = self.inner.files.running.lock();
            if running.contains_key(&id) {
                return;
            }
            running.insert(id.clone(), stop);
        }
        let files = self.inner.files.clone();
        let sh = sh.clone();
        tokio::spawn(async move {
            upload_task(&sh, &files, &id, &path, stopped).await;
            files.running.lock().remove(&id);
        });
    }

    /// Downloads `file` into the per-account cache
    /// `<data_dir>/<account dir>/files/<file id>/<sanitised name>`, emitting
    /// [`Event::TransferProgress`] (transfer = the file id) and
    /// [`Event::TransferFinished`]; returns the path. A complete cached copy
    /// (right size) is returned without downloading. The bytes are written to a
    /// temporary `.part` file, checked (size, and sha256 against the ETag) and
    /// only then renamed into place.
    pub async fn download_file(&self, file: &FileRef) -> Result<PathBuf> {
        let sh = self.shared()?;
        let dest = self.cache_path(file)?;
        if let Some(p) = self.cached_file(file) {
            return Ok(p);
        }
        // The same file (id) downloaded before under another name: linked, not fetched
        // and stored again (many messages naming one file must not fill the disk).
        if let Some(other) = complete_sibling(&dest, file.size) {
            if std::fs::hard_link(&other, &dest).is_ok() {
                return Ok(dest);
            }
        }
        let transfer = file.id.to_string();
        let r = download(&sh, &self.inner.files, file, &dest).await;
        finished(
            &sh,
            transfer,
            TransferDirection::Download,
            r.as_ref().err().map(|e| e.to_string()),
        );
        r.map(|_| dest)
    }

    /// The cached download of `file`, if it is complete (its size matches).
    pub fn cached_file(&self, file: &FileRef) -> Option<PathBuf> {
        let p = self.cache_path(file).ok()?;
        let meta = std::fs::metadata(&p).ok()?;
        (meta.is_file() && meta.len() == file.size).then_some(p)
    }

    fn cache_path(&self, file: &FileRef) -> Result<PathBuf> {
        let sh = self.shared()?;
        let id = file.id.as_str();
        if id.starts_with('.') || id == PENDING_FILE_ID {
            return Err(Error::InvalidArgument(format!(
                "file id {id} cannot be downloaded"
            )));
        }
        let cfg = &self.inner.config;
        Ok(
            crate::private_fs::account_dir(&cfg.data_dir, &cfg.server_url, &sh.me)
                .join("files")
                .join(id)
                .join(sanitize_file_name(&file.name)),
        )
    }
}

/// A complete download (not a `.part`) of `size` bytes beside `dest`, in its file
/// id's directory.
fn complete_sibling(dest: &Path, size: u64) -> Option<PathBuf> {
    std::fs::read_dir(dest.parent()?)
        .ok()?
        .filter_map(|e| e.ok())
        .find(|e| {
            !e.file_name().to_string_lossy().starts_with('.')
                && e.metadata().is_ok_and(|m| m.is_file() && m.len() == size)
        })
        .map(|e| e.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_base_follows_the_server_url() {
        assert_eq!(http_base("ws://127.0.0.1:7700/ws"), "http://127.0.0.1:7700");
        assert_eq!(http_base("wss://chat.example/ws"), "https://chat.example");
        assert_eq!(http_base("http://h:1"), "http://h:1");
        assert_eq!(http_base("h:2"), "http://h:2");
    }
}
