//! Message calls: send (text, reply, any content), resend, delete, the outbox, read a
//! conversation's messages, recall and edit.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tern_proto::{cmd, ClientMsgId, Content, ConversationId, Millis, Seq};
use tokio::sync::oneshot;

use super::{new_client_id, Client};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::Shared;
use crate::store::{conversations as convs, messages as msgs, now_ms, outgoing};
use crate::types::LocalMessage;

impl Client {
    /// Sends a text message; see [`Client::send`].
    pub async fn send_text(&self, conv: &ConversationId, text: &str) -> Result<LocalMessage> {
        let content = Content::Text {
            text: text.to_string(),
        };
        self.send(conv, content, None).await
    }

    /// Queues a message in the outbox (persisted first, so it survives a crash) and sends it.
    ///
    /// When online, waits for the first answer: returns the acknowledged message
    /// (`state` = `sent`), or fails with the server's refusal (e.g. `Blocked`; the message
    /// is then `failed`). When offline or unanswered, returns it with `state` = `sending`;
    /// it is retried (same client id) until the retry budget is spent, and
    /// [`Event::MessageAcked`] / [`Event::MessageFailed`] tell the outcome.
    pub async fn send(
        &self,
        conv: &ConversationId,
        content: Content,
        ext: Option<Value>,
    ) -> Result<LocalMessage> {
        let (sh, msg) = self.queue(conv, content, ext, None, None).await?;
        self.await_first_outcome(&sh, msg).await
    }

    /// Queues a message like [`Client::send`] but returns at once (`state` = `sending`);
    /// events tell the outcome. Messages are sent in the order they were queued.
    pub async fn enqueue(
        &self,
        conv: &ConversationId,
        content: Content,
        ext: Option<Value>,
    ) -> Result<LocalMessage> {
        let (sh, msg) = self.queue(conv, content, ext, None, None).await?;
        sh.sending.wake();
        Ok(msg)
    }

    /// Sends `text` as a reply to the message at `reply_to` of the same
    /// conversation (the server checks it exists and I can read it: `BadReply`);
    /// like [`Client::send`] otherwise. [`Client::quote`] gives what to show of it.
    pub async fn send_reply(
        &self,
        conv: &ConversationId,
        text: &str,
        reply_to: Seq,
    ) -> Result<LocalMessage> {
        let content = Content::Text {
            text: text.to_string(),
        };
        let (sh, msg) = self
            .queue(conv, content, None, Some(reply_to), None)
            .await?;
        self.await_first_outcome(&sh, msg).await
    }

    pub(super) async fn queue(
        &self,
        conv: &ConversationId,
        content: Content,
        ext: Option<Value>,
        reply_to: Option<Seq>,
        mentions: Option<tern_proto::Mentions>,
    ) -> Result<(Arc<Shared>, LocalMessage)> {
        let sh = self.shared()?;
        if let ConversationId::Direct(..) = conv {
            if conv.peer_of(&sh.me).is_none() {
                return Err(Error::InvalidArgument(format!(
                    "{conv} is not my conversation"
                )));
            }
        }
        if ext.as_ref().is_some_and(|e| !e.is_object()) {
            return Err(Error::InvalidArgument("ext must be a JSON object".into()));
        }
        if let Content::Text { text } = &content {
            let max = sh.link.limits().map(|l| l.max_text_chars);
            if text.trim().is_empty() {
                return Err(Error::InvalidArgument("the message is empty".into()));
            }
            if let Some(max) = max.filter(|&m| text.chars().count() > m) {
                return Err(Error::InvalidArgument(format!(
                    "text is longer than {max} characters"
                )));
            }
        }
        let id = new_client_id();
        let (me, key, cid) = (sh.me.clone(), conv.clone(), id.clone());
        let now = now_ms();
        let msg = sh
            .db
            .call(move |c| {
                let mut m =
                    outgoing::queue_message(c, &me, &key, &cid, &content, ext.as_ref(), now)?;
                if let Some(r) = reply_to {
                    msgs::set_reply_to(c, &me, &cid, r)?;
                    m.reply_to = Some(r);
                }
                if let Some(mentions) = mentions {
                    msgs::set_mentions(c, &me, &cid, &mentions)?;
                    m.mentions = Some(mentions);
                }
                Ok(m)
            })
            .await?;
        sh.sending.queue().queue(id, now);
        sh.emit(Event::NewMessage {
            message: Box::new(msg.clone()),
            live: true,
        });
        sh.conv_changed(conv).await?;
        self.clear_draft_after_send(&sh, conv).await?;
        Ok((sh, msg))
    }

    pub(super) async fn await_first_outcome(
        &self,
        sh: &Arc<Shared>,
        msg: LocalMessage,
    ) -> Result<LocalMessage> {
        if sh.link.conn().is_err() {
            sh.sending.wake();
            return Ok(msg);
        }
        let (tx, rx) = oneshot::channel();
        sh.sending.wait(msg.client_id.clone(), tx);
        sh.sending.wake();
        let wait = sh.config.connection.request_timeout() + Duration::from_secs(1);
        let outcome = tokio::time::timeout(wait, rx).await;
        sh.sending.forget(&msg.client_id);
        match outcome {
            Ok(Ok(r)) => r,
            _ => Ok(self.message(&msg.client_id).await?.unwrap_or(msg)),
        }
    }

    /// Retries a failed (or still pending) message with the same client id and a fresh budget.
    pub async fn resend(&self, client_id: &ClientMsgId) -> Result<LocalMessage> {
        // A file message whose upload never finished uploads again first.
        if let Some(msg) = self.resend_upload(client_id).await? {
            return Ok(msg);
        }
        let sh = self.shared()?;
        let (me, id) = (sh.me.clone(), client_id.clone());
        let now = now_ms();
        let (requeued, msg) = sh
            .db
            .call(move |c| {
                let r = outgoing::mark_sending(c, &me, &id, now)?;
                Ok((r, msgs::message_by_client_id(c, &me, &me, &id)?))
            })
            .await?;
        let msg = msg.ok_or_else(|| Error::NotFound(format!("message {client_id}")))?;
        if !requeued {
            return Ok(msg); // already acknowledged
        }
        sh.sending.queue().resend(client_id, now);
        sh.conv_changed(&msg.conv).await?;
        self.await_first_outcome(&sh, msg).await
    }

    /// Deletes one of my failed messages (never stored by the server) from this
    /// device: it leaves the cache, the search index and the outbox, and
    /// [`Event::MessageRemoved`] tells the UI. A file message whose upload never
    /// finished goes the same way ([`Client::cancel_upload`]). Fails with
    /// `InvalidArgument` for any message that is not failed (use recall for a sent one).
    pub async fn delete_failed(&self, client_id: &ClientMsgId) -> Result<()> {
        let sh = self.shared()?;
        let (me, id) = (sh.me.clone(), client_id.clone());
        let upload = sh
            .db
            .call(move |c| crate::store::files::pending_upload(c, &me, &id))
            .await?;
        if upload.is_some() {
            return self.cancel_upload(client_id).await;
        }
        let (me, id) = (sh.me.clone(), client_id.clone());
        let removed = sh
            .db
            .call(move |c| outgoing::delete_failed(c, &me, &id))
            .await?;
        let Some(msg) = removed else {
            return Err(Error::InvalidArgument(format!(
                "message {client_id} is not a failed message of mine"
            )));
        };
        sh.sending.queue().acked(client_id);
        sh.emit(Event::MessageRemoved {
            conv: msg.conv.clone(),
            client_id: client_id.clone(),
        });
        sh.conv_changed(&msg.conv).await
    }

    /// Deletes a message on this device only ("Delete for me"): it stays on the
    /// server and for everyone else (and on my other devices), but leaves this
    /// device's history, search, unread count and chat preview for good (a resync
    /// does not bring it back). [`Event::MessageRemoved`] tells the UI.
    pub async fn delete_for_me(&self, conv: &ConversationId, seq: Seq) -> Result<()> {
        let sh = self.shared()?;
        let (me, key) = (sh.me.clone(), conv.clone());
        let removed = sh
            .db
            .call(move |c| msgs::delete_local(c, &me, &key, seq))
            .await?;
        let Some(msg) = removed else {
            return Err(Error::NotFound(format!("message {} of {conv}", seq.0)));
        };
        sh.emit(Event::MessageRemoved {
            conv: conv.clone(),
            client_id: msg.client_id,
        });
        sh.conv_changed(conv).await
    }

    /// Messages not yet acknowledged (sending or failed), oldest first.
    pub async fn outbox(&self) -> Result<Vec<LocalMessage>> {
        self.read(msgs::outbox_messages).await
    }

    /// Waits until no message is waiting to be sent (all acknowledged or failed), or
    /// `timeout` passes (returns false then). For scripts that send and exit.
    pub async fn flush(&self, timeout: Duration) -> Result<bool> {
        let sh = self.shared()?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if sh.sending.queue().live() == 0 {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            sh.sending.wake();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Up to `limit` messages with seq below `before` (`None` = the newest, including
    /// pending ones), oldest first. Served from the cache; pages the cache lacks are
    /// fetched from the server (when online) and kept.
    pub async fn messages(
        &self,
        conv: &ConversationId,
        before: Option<Seq>,
        limit: u32,
    ) -> Result<Vec<LocalMessage>> {
        let sh = self.shared()?;
        let limit = limit.clamp(1, 1000) as u64;
        let key = conv.clone();
        let (max, _, _, _) = sh.db.call(move |c| convs::conv_seqs(c, &key)).await?;
        let upper = before.map(|b| b.0).unwrap_or(max + 1).min(max + 1);
        let lower = upper.saturating_sub(limit).max(1);
        let db = sh.db.clone();
        let range = || {
            let (me, key) = (sh.me.clone(), conv.clone());
            db.call(move |c| msgs::messages_range(c, &me, &key, lower, upper))
        };
        // Hidden messages (see `store::rows::HIDDEN`) count as cached here, so
        // a page with one is not fetched again.
        let (cached, mut page) = range().await?;
        if cached < upper - lower {
            if let Ok(conn) = sh.link.conn() {
                let req = cmd::History {
                    conv: conv.clone(),
                    before: Some(Seq(upper)),
                    limit: Some((upper - lower) as u32),
                };
                let messages = conn.call(req).await?.messages;
                crate::sync::store_batch(&sh, messages, crate::sync::News::Not).await?;
                page = range().await?.1;
            }
        }
        if before.is_none() {
            let (me, key) = (sh.me.clone(), conv.clone());
            page.extend(
                sh.db
                    .call(move |c| msgs::pending_messages(c, &me, &key))
                    .await?,
            );
        }
        Ok(page)
    }

    /// One of my messages by client id (cache).
    pub async fn message(&self, client_id: &ClientMsgId) -> Result<Option<LocalMessage>> {
        let id = client_id.clone();
        self.read(move |c, me| msgs::message_by_client_id(c, me, me, &id))
            .await
    }

    /// Recalls my message at `seq` (within the server's recall window); in a group, its
    /// owner may recall anyone's message at any time, and an admin a plain member's
    /// (not the owner's or another admin's: `Forbidden`).
    pub async fn recall(&self, conv: &ConversationId, seq: Seq) -> Result<()> {
        let sh = self.shared()?;
        sh.call(cmd::Recall {
            conv: conv.clone(),
            seq,
        })
        .await?;
        let (me, key, at) = (sh.me.clone(), conv.clone(), now_ms());
        let by = me.clone();
        if sh
            .db
            .call(move |c| msgs::recall(c, &me, &key, seq, &by, at))
            .await?
            .is_some()
        {
            sh.emit(Event::Recalled {
                conv: conv.clone(),
                seq,
                by: sh.me.clone(),
                at,
            });
            sh.conv_changed(conv).await?;
        }
        Ok(())
    }

    /// Replaces the text of my text message at `seq` (within the server's edit
    /// window, `limits.edit_window_secs`; any number of times). Every member's
    /// devices get the new text; the cache holds it at once (search finds the new
    /// text, not the old). Returns the message's new `edited_at`.
    pub async fn edit(&self, conv: &ConversationId, seq: Seq, text: &str) -> Result<Millis> {
        let sh = self.shared()?;
        let edit = cmd::Edit {
            conv: conv.clone(),
            seq,
            text: text.to_string(),
        };
        let edited_at = sh.call(edit).await?.edited_at;
        crate::sync_edits::apply(&sh, conv, seq, text.to_string(), edited_at).await?;
        Ok(edited_at)
    }
}
