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
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use tern_proto::files::{FILES_PATH, FILE_NAME_HEADER};
use tern_proto::{
    sanitize_file_name, ClientMsgId, Content, ConversationId, FileId, FileRef, Limits, Uploaded,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use super::{new_client_id, Client};
use crate::error::{Detail, Error, Result};
use crate::event::Event;
use crate::session::Shared;
use crate::store::{files as uploads, messages as msgs, now_ms, outgoing};
use crate::types::{LocalMessage, TransferDirection};

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

/// Emits progress at most about every 1 % (and always at the end).
struct Progress {
    sh: Arc<Shared>,
    transfer: String,
    direction: TransferDirection,
    total: u64,
    done: u64,
    reported: u64,
}

impl Progress {
    fn new(sh: &Arc<Shared>, transfer: String, direction: TransferDirection, total: u64) -> Self {
        Self {
            sh: sh.clone(),
            transfer,
            direction,
            total,
            done: 0,
            reported: 0,
        }
    }

    fn add(&mut self, n: u64) {
        self.done += n;
        let step = (self.total / 100).max(CHUNK as u64);
        if self.done >= self.total || self.done - self.reported >= step {
            self.reported = self.done;
            self.sh.emit(Event::TransferProgress {
                transfer: self.transfer.clone(),
                direction: self.direction,
                done: self.done,
                total: self.total,
            });
        }
    }
}

fn finished(sh: &Shared, transfer: String, direction: TransferDirection, error: Option<String>) {
    sh.emit(Event::TransferFinished {
        transfer,
        direction,
        ok: error.is_none(),
        error,
    });
}

/// A failure of one HTTP transfer attempt; `retry` when trying again may help.
struct Failure {
    message: String,
    retry: bool,
}

impl Failure {
    fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: true,
        }
    }

    fn fatal(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: false,
        }
    }
}

/// Turns an HTTP error answer (`{code, message}`) into a failure; 5xx retry.
async fn http_failure(res: reqwest::Response) -> Failure {
    let status = res.status();
    let body = res.bytes().await.unwrap_or_default();
    let msg = serde_json::from_slice::<tern_proto::WireError>(&body)
        .map(|e| e.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
    let message = format!("{status}: {msg}");
    if status.is_server_error() || status.as_u16() == 429 {
        Failure::transient(message)
    } else {
        Failure::fatal(message)
    }
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

/// Uploads with retries, then hands the message to the outbox; or marks it
/// failed. Returns early, doing nothing more, when told to stop.
async fn upload_task(
    sh: &Arc<Shared>,
    files: &Transfers,
    id: &ClientMsgId,
    path: &Path,
    mut stop: watch::Receiver<bool>,
) {
    let mut session_stopped = sh.link.stopped();
    let policy = sh.config.retry;
    let started = Instant::now();
    let mut attempt = 0u32;
    let outcome = loop {
        attempt += 1;
        let once = tokio::select! {
            r = upload_once(sh, files, id, path) => r,
            _ = stop.wait_for(|s| *s) => return,
            _ = session_stopped.wait_for(|s| *s) => return,
        };
        match once {
            Ok(up) => break Ok(up),
            Err(f) => {
                let aged = started.elapsed().as_millis() as u64 >= policy.max_age_ms;
                if !f.retry || attempt >= policy.max_attempts.max(1) || aged {
                    break Err(f.message);
                }
                tracing::debug!(%id, attempt, error = %f.message, "upload failed; retrying");
                let delay = crate::state::backoff_delay(
                    attempt - 1,
                    policy.retry_delay_ms.max(1),
                    sh.config.connection.backoff_max_ms,
                    0.2,
                );
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.wait_for(|s| *s) => return,
                    _ = session_stopped.wait_for(|s| *s) => return,
                }
            }
        }
    };
    if let Err(e) = settle(sh, id, outcome).await {
        tracing::warn!(%id, error = %e, "finishing an upload failed");
    }
}

/// Records an upload's outcome: the message goes to the outbox, or fails.
async fn settle(
    sh: &Arc<Shared>,
    id: &ClientMsgId,
    outcome: std::result::Result<Uploaded, String>,
) -> Result<()> {
    let Some(msg) = sh.own_message(id).await? else {
        return Ok(()); // cancelled meanwhile
    };
    match outcome {
        Ok(up) => {
            let content = match msg.content {
                Content::Image { width, height, .. } => Content::Image {
                    file: up.file,
                    width,
                    height,
                },
                _ => Content::File { file: up.file },
            };
            let (me, key) = (sh.me.clone(), id.clone());
            let now = now_ms();
            let queued = sh
                .db
                .call(move |c| uploads::finish_upload(c, &me, &key, &content, now))
                .await?;
            if queued.is_none() {
                return Ok(()); // cancelled meanwhile: nothing is sent
            }
            sh.sending.queue().resend(id, now);
            finished(sh, id.to_string(), TransferDirection::Upload, None);
            sh.sending.wake();
            Ok(())
        }
        Err(error) => {
            let (me, key) = (sh.me.clone(), id.clone());
            let failed = sh
                .db
                .call(move |c| {
                    // Still an unfinished upload (not cancelled)? Then it failed.
                    match uploads::pending_upload(c, &me, &key)? {
                        Some(_) => outgoing::mark_failed(c, &me, &key, None),
                        None => Ok(None),
                    }
                })
                .await?;
            let Some(m) = failed else {
                return Ok(());
            };
            finished(sh, id.to_string(), TransferDirection::Upload, Some(error));
            let conv = m.conv.clone();
            sh.emit(Event::MessageFailed {
                message: Box::new(m),
                error: None,
            });
            sh.conv_changed(&conv).await
        }
    }
}

/// One upload attempt: streams the file from disk, counting progress.
async fn upload_once(
    sh: &Arc<Shared>,
    files: &Transfers,
    id: &ClientMsgId,
    path: &Path,
) -> std::result::Result<Uploaded, Failure> {
    let msg = sh
        .own_message(id)
        .await
        .map_err(|e| Failure::fatal(e.to_string()))?
        .ok_or_else(|| Failure::fatal("the message is gone"))?;
    let file = match &msg.content {
        Content::Image { file, .. } | Content::File { file } => file.clone(),
        _ => return Err(Failure::fatal("not a file message")),
    };
    let f = tokio::fs::File::open(path)
        .await
        .map_err(|e| Failure::fatal(format!("{}: {e}", path.display())))?;
    let total = f
        .metadata()
        .await
        .map_err(|e| Failure::fatal(e.to_string()))?
        .len();
    if let Some(max) = sh.link.limits().map(|l| l.max_file_bytes) {
        if total > max {
            return Err(Failure::fatal(format!(
                "the file is {total} bytes; this server accepts at most {max}"
            )));
        }
    }
    let progress = Progress::new(sh, id.to_string(), TransferDirection::Upload, total);
    let body = futures_util::stream::unfold((f, progress), |(mut f, mut progress)| async move {
        let mut buf = vec![0u8; CHUNK];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                progress.add(n as u64);
                Some((Ok::<_, std::io::Error>(buf), (f, progress)))
            }
            Err(e) => Some((Err(e), (f, progress))),
        }
    });
    let token = sh.link.token();
    let url = format!("{}{FILES_PATH}", http_base(&sh.link.url()));
    let name =
        percent_encoding::utf8_percent_encode(&file.name, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let res = files
        .http(&sh.config)
        .map_err(|e| Failure::fatal(e.to_string()))?
        .post(&url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, &file.mime)
        .header(reqwest::header::CONTENT_LENGTH, total)
        .header(FILE_NAME_HEADER, name)
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await
        .map_err(|e| Failure::transient(format!("upload to {url}: {e}")))?;
    if !res.status().is_success() {
        return Err(http_failure(res).await);
    }
    let bytes = res
        .bytes()
        .await
        .map_err(|e| Failure::transient(e.to_string()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::fatal(format!("unexpected upload answer: {e}")))
}

/// Downloads into a `.part` file next to `dest`, checks it, renames it.
async fn download(sh: &Arc<Shared>, files: &Transfers, file: &FileRef, dest: &Path) -> Result<()> {
    let dir = dest.parent().expect("cache path has a parent");
    crate::private_fs::create_private_dir_all(dir)?;
    let token = sh.link.token();
    let url = format!("{}{FILES_PATH}/{}", http_base(&sh.link.url()), file.id);
    let res = files
        .http(&sh.config)?
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| Error::Offline(Detail::caused(format!("download from {url}: {e}"), e)))?;
    if !res.status().is_success() {
        let status = res.status();
        let body = res.bytes().await.unwrap_or_default();
        return Err(
            match serde_json::from_slice::<tern_proto::WireError>(&body) {
                Ok(we) => Error::Server(we),
                Err(_) => Error::Protocol(format!("download answered {status}").into()),
            },
        );
    }
    let etag = res
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_matches('"').to_ascii_lowercase());
    let total = res.content_length().unwrap_or(file.size);
    let part = dir.join(format!(
        ".{}.part-{}",
        file.id,
        uuid::Uuid::new_v4().simple()
    ));
    let result = async {
        let mut out = tokio::fs::OpenOptions::from(crate::private_fs::private_file_options())
            .open(&part)
            .await?;
        let mut hash = Sha256::new();
        let mut progress =
            Progress::new(sh, file.id.to_string(), TransferDirection::Download, total);
        let mut stream = res.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                Error::Offline(Detail::caused(format!("download interrupted: {e}"), e))
            })?;
            out.write_all(&chunk).await?;
            hash.update(&chunk);
            progress.add(chunk.len() as u64);
        }
        out.flush().await?;
        out.sync_all().await?;
        drop(out);
        if progress.done != file.size {
            return Err(Error::Protocol(
                format!("downloaded {} bytes, expected {}", progress.done, file.size).into(),
            ));
        }
        let sha = hex::encode(hash.finalize());
        if etag.as_deref().is_some_and(|e| e != sha) {
            return Err(Error::Protocol(
                "downloaded bytes do not match the server's sha256".into(),
            ));
        }
        tokio::fs::rename(&part, dest).await?;
        Ok(())
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&part).await;
    }
    result
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
