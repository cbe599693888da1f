//! Forwarding messages and @mentions, replies that mention included (issue 17).
//!
//! A forward is one request; the messages it creates reach every device of
//! mine (this one included) and of the targets' members as ordinary pushes and
//! catch-up. A merged forward is one message whose content
//! ([`Content::ChatHistory`]) holds the whole list with senders and times.

use tern_proto::{cmd, Content, ConversationId, ForwardResult, Mentions, Seq};

use super::{new_client_id, Client};
use crate::error::{Error, Result};
use crate::types::LocalMessage;

impl Client {
    /// Sends `text` to the group `conv` mentioning `mentions` (members by id,
    /// or `@all`: owner and admins only). The server checks the list
    /// (`BadMention`, `MentionAllNotAllowed`); like [`Client::send`] otherwise.
    pub async fn send_mentioning(
        &self,
        conv: &ConversationId,
        text: &str,
        mentions: Mentions,
    ) -> Result<LocalMessage> {
        if !matches!(conv, ConversationId::Group(_)) {
            return Err(Error::InvalidArgument(
                "mentions are for group conversations".into(),
            ));
        }
        let content = Content::Text {
            text: text.to_string(),
        };
        let mentions = (!mentions.is_empty()).then_some(mentions);
        let (sh, msg) = self.queue(conv, content, None, None, mentions).await?;
        self.await_first_outcome(&sh, msg).await
    }

    /// Sends `text` as a reply to the message at `reply_to` of `conv` that also
    /// mentions `mentions` (group members by id, or `@all`): a
    /// [`Client::send_reply`] and a [`Client::send_mentioning`] in one message,
    /// notifying the mentioned like any mention. Empty `mentions` make it a
    /// plain reply (any conversation). The server checks the quote (`BadReply`)
    /// and then the list (`BadMention`, `MentionAllNotAllowed`).
    pub async fn send_reply_mentioning(
        &self,
        conv: &ConversationId,
        text: &str,
        reply_to: Seq,
        mentions: Mentions,
    ) -> Result<LocalMessage> {
        if !mentions.is_empty() && !matches!(conv, ConversationId::Group(_)) {
            return Err(Error::InvalidArgument(
                "mentions are for group conversations".into(),
            ));
        }
        let content = Content::Text {
            text: text.to_string(),
        };
        let mentions = (!mentions.is_empty()).then_some(mentions);
        let (sh, msg) = self
            .queue(conv, content, None, Some(reply_to), mentions)
            .await?;
        self.await_first_outcome(&sh, msg).await
    }

    /// Forwards the messages `seqs` of `from` to each conversation of `to`:
    /// one copy per message, or (`merged`) one chat history titled `title`.
    /// Files go by reference. Returns what each target did: the seqs stored,
    /// or its refusal (not a member, blocked, muted, …). Refusals of the whole
    /// forward: `BadForward` (a message I cannot read), `ForwardLimit` (caps).
    pub async fn forward(
        &self,
        from: &ConversationId,
        seqs: &[Seq],
        to: &[ConversationId],
        merged: bool,
        title: Option<String>,
    ) -> Result<Vec<ForwardResult>> {
        let req = cmd::Forward {
            client_id: new_client_id(),
            from: from.clone(),
            seqs: seqs.to_vec(),
            to: to.to_vec(),
            merged,
            title,
        };
        Ok(self.shared()?.call(req).await?.results)
    }

    /// The unread messages of `conv` that mention me (by id or `@all`); the
    /// count is [`crate::Conversation::unread_mentions`].
    pub async fn unread_mentions(&self, conv: &ConversationId) -> Result<u64> {
        let key = conv.clone();
        self.read(move |c, me| {
            Ok(crate::store::conversations::conversation(c, me, &key)?
                .map(|s| s.unread_mentions)
                .unwrap_or(0))
        })
        .await
    }

    /// Whether `message` should show a notification at `now` (ms): like
    /// [`Client::should_notify`], except that a message mentioning me notifies
    /// even when its chat is muted (the account switch and do-not-disturb
    /// still apply).
    pub async fn should_notify_message(
        &self,
        message: &LocalMessage,
        now: tern_proto::Millis,
    ) -> Result<bool> {
        let conv = message.conv.clone();
        let mentions = message.mentions.clone();
        let sender = message.sender.clone();
        self.read(move |c, me| {
            let account = crate::store::preferences::account(c)?;
            let settings = crate::store::preferences::get(c, &conv)?;
            let mentioned = &sender != me && mentions.is_some_and(|m| m.includes(me));
            Ok(crate::preferences::should_notify_mentioned(
                &account, &settings, mentioned, now,
            ))
        })
        .await
    }
}
