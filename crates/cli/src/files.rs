//! `send-file` and `download`: files through tern-core, JSON lines out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use sha2::{Digest, Sha256};
use tern_core::proto::{ClientMsgId, Content, FileRef, Seq};
use tern_core::{Client, Error, Event, TransferDirection};
use tokio::sync::broadcast;

use crate::output::{out, Failure};
use crate::session::conv_of;

/// Sends `path` to `to` and waits until the server stored the message.
/// With `progress`, prints each `transfer_progress` event first. Prints the
/// acknowledged message as the last line. `timeout` bounds each wait for the
/// next event, not the whole upload.
pub(crate) async fn send_file(
    client: &Client,
    to: &str,
    path: &Path,
    progress: bool,
    events: &mut broadcast::Receiver<Event>,
    timeout: Duration,
) -> Result<(), Failure> {
    let conv = conv_of(client, to)?;
    let local = client.send_file(&conv, path).await?;
    let id: ClientMsgId = local.client_id.clone();
    loop {
        let event = match tokio::time::timeout(timeout, events.recv()).await {
            Err(_) => return Err(Failure::Client(Error::Timeout)),
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(broadcast::error::RecvError::Closed)) => {
                return Err(Failure::Client(Error::Closed))
            }
            Ok(Ok(e)) => e,
        };
        match &event {
            Event::TransferProgress {
                transfer,
                direction: TransferDirection::Upload,
                ..
            } if progress && transfer == id.as_str() => out(&event)?,
            Event::MessageAcked { message } if message.client_id == id => return out(message),
            Event::MessageFailed { message, error } if message.client_id == id => {
                out(message)?;
                return Err(Failure::Client(match error {
                    Some(we) => Error::Server(we.clone()),
                    None => Error::Offline("the upload or send failed; try again".into()),
                }));
            }
            Event::KickedOffline { .. } | Event::TokenExpired { .. } => {
                return Err(Failure::Other("session ended".into()))
            }
            _ => {}
        }
    }
}

/// Downloads the file of the message at `seq` in `with` (or the file described
/// by `file_json`, a `FileRef` as printed in a message), optionally copying it
/// to `out_path`. Prints `{"path", "file", "size", "sha256"}`.
pub(crate) async fn download(
    client: &Client,
    with: Option<&str>,
    seq: Option<u64>,
    file_json: Option<&str>,
    out_path: Option<&Path>,
) -> Result<(), Failure> {
    let file: FileRef = match (file_json, with, seq) {
        (Some(j), _, _) => serde_json::from_str(j)?,
        (None, Some(with), Some(seq)) => {
            let conv = conv_of(client, with)?;
            let page = client
                .messages(&conv, Some(Seq(seq.saturating_add(1))), 1)
                .await?;
            let msg = page
                .into_iter()
                .find(|m| m.seq == Some(Seq(seq)))
                .ok_or_else(|| Failure::Other(format!("no message {seq} in {conv}")))?;
            match msg.content {
                Content::Image { file, .. }
                | Content::File { file }
                | Content::Audio { file, .. }
                | Content::Video { file, .. } => file,
                other => {
                    // Its wire `type` (text, location, …).
                    let kind = serde_json::to_value(&other)?["type"].to_string();
                    return Err(Failure::Other(format!(
                        "message {seq} of {conv} has no file (its type is {kind})"
                    )));
                }
            }
        }
        _ => {
            return Err(Failure::Usage(
                "give <conv> <seq>, or --file '<FileRef JSON>'".into(),
            ))
        }
    };
    let cached = client.download_file(&file).await?;
    let path: PathBuf = match out_path {
        Some(p) => {
            tokio::fs::copy(&cached, p).await?;
            p.to_path_buf()
        }
        None => cached,
    };
    let p = path.clone();
    let (size, sha256) = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, String)> {
        let mut f = std::fs::File::open(&p)?;
        let mut h = Sha256::new();
        let n = std::io::copy(&mut f, &mut h)?;
        Ok((n, hex::encode(h.finalize())))
    })
    .await
    .map_err(|e| Failure::Other(e.to_string()))??;
    out(&json!({"path": path, "file": file, "size": size, "sha256": sha256}))
}
