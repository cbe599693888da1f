//! One transfer's work: an upload with its retries, then the message handed to the
//! outbox (or marked failed); a download into the cache; progress and end events.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tern_proto::files::{FILES_PATH, FILE_NAME_HEADER};
use tern_proto::{ClientMsgId, Content, FileRef, Uploaded};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use super::{http_base, Transfers, CHUNK};
use crate::error::{Detail, Error, Result};
use crate::event::Event;
use crate::session::Shared;
use crate::store::{files as uploads, now_ms, outgoing};
use crate::types::TransferDirection;

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

pub(super) fn finished(
    sh: &Shared,
    transfer: String,
    direction: TransferDirection,
    error: Option<String>,
) {
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

/// Uploads with retries, then hands the message to the outbox; or marks it
/// failed. Returns early, doing nothing more, when told to stop.
pub(super) async fn upload_task(
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
        .map_err(|e| {
            // Retried either way; a refused certificate says so in the failure's words.
            let what = format!("upload to {url}: {e}");
            Failure::transient(crate::tls::classify(e, what).to_string())
        })?;
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
pub(super) async fn download(
    sh: &Arc<Shared>,
    files: &Transfers,
    file: &FileRef,
    dest: &Path,
) -> Result<()> {
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
        .map_err(|e| {
            let what = format!("download from {url}: {e}");
            crate::tls::classify(e, what)
        })?;
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
            // A server that sends more than the file's size (or never ends) is cut
            // off here, not after filling the disk.
            if progress.done + chunk.len() as u64 > file.size {
                return Err(Error::Protocol(
                    format!("the server sent more than the file's {} bytes", file.size).into(),
                ));
            }
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
