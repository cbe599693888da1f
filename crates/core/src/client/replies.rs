//! Replies (what a reply shows of the message it quotes), reactions, pins and
//! group read-by.

use tern_proto::{cmd, reply, Content, ConversationId, Message, Reaction, Seq};

use super::Client;
use crate::error::{Error, Result};
use crate::store::{messages as msgs, reactions};
use crate::types::{Quote, QuoteState, ReadByPage};

/// Longest snippet of a quoted text, in characters.
const SNIPPET_CHARS: usize = 80;

/// The snippet of `content`: its first line (text), or its preview (`[Image]`,
/// `[File] name`, …); a recalled message says so.
fn snippet(content: &Content) -> (String, QuoteState) {
    match content {
        Content::Text { text } => {
            let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            (
                line.chars().take(SNIPPET_CHARS).collect(),
                QuoteState::Available,
            )
        }
        Content::Recalled { .. } => (content.preview(), QuoteState::Recalled),
        other => (other.preview(), QuoteState::Available),
    }
}

impl Client {
    /// What a reply shows of the message at `seq` of `conv`: its sender and first
    /// line (or `[Image]`, `[File] name`, …), or that it was recalled, deleted on
    /// this device, or is not readable. A message not cached is asked of the server.
    pub async fn quote(&self, conv: &ConversationId, seq: Seq) -> Result<Quote> {
        let key = conv.clone();
        let cached = self
            .read(move |c, me| {
                let deleted = msgs::deleted_here(c, &key, seq)?;
                Ok((msgs::message_at(c, me, &key, seq)?, deleted))
            })
            .await?;
        let (sender, content) = match cached {
            (_, true) => {
                return Ok(Quote {
                    seq,
                    sender: None,
                    snippet: "[Message deleted]".into(),
                    state: QuoteState::Deleted,
                })
            }
            (Some(m), false) => (m.sender, m.content),
            (None, false) => match self.pull_one(conv, seq).await? {
                Some(m) => (m.sender, m.content),
                None => {
                    return Ok(Quote {
                        seq,
                        sender: None,
                        snippet: "[Message unavailable]".into(),
                        state: QuoteState::Unavailable,
                    })
                }
            },
        };
        let (snippet, state) = snippet(&content);
        Ok(Quote {
            seq,
            sender: Some(sender),
            snippet,
            state,
        })
    }

    /// Adds (`on`) or removes my reaction `emoji` on the message at `seq`;
    /// returns its reactions now (per emoji: count and who), also kept in the cache.
    pub async fn react(
        &self,
        conv: &ConversationId,
        seq: Seq,
        emoji: &str,
        on: bool,
    ) -> Result<Vec<Reaction>> {
        let sh = self.shared()?;
        let react = cmd::React {
            conv: conv.clone(),
            seq,
            emoji: emoji.to_string(),
            on,
        };
        let reactions = sh.call(react).await?.reactions;
        crate::sync_reactions::apply(&sh, conv, seq, reactions.clone()).await?;
        Ok(reactions)
    }

    /// The cached reactions of the message at `seq` (kept current by pushes and
    /// the catch-up after a reconnect).
    pub async fn reactions(&self, conv: &ConversationId, seq: Seq) -> Result<Vec<Reaction>> {
        let key = conv.clone();
        self.read(move |c, _| reactions::get(c, &key, seq)).await
    }

    /// Pins (`on`) or unpins the message at `seq` (a group's owner and admins;
    /// either side of a one-to-one chat); returns the pins now, also cached.
    pub async fn pin(
        &self,
        conv: &ConversationId,
        seq: Seq,
        on: bool,
    ) -> Result<Vec<tern_proto::Pin>> {
        let sh = self.shared()?;
        let pin = cmd::Pin {
            conv: conv.clone(),
            seq,
            on,
        };
        let pins = sh.call(pin).await?.pins;
        crate::sync_reactions::apply_pins(&sh, conv, pins.clone(), None).await?;
        Ok(pins)
    }

    /// The cached pins of `conv`, most recently pinned first (kept current by
    /// pushes and the catch-up after a reconnect).
    pub async fn pins(&self, conv: &ConversationId) -> Result<Vec<tern_proto::Pin>> {
        let key = conv.clone();
        self.read(move |c, _| reactions::pins(c, &key)).await
    }

    /// Who of group `conv` has read its message `seq` and who has not (for its
    /// sender and the group's owner and admins), `limit` members by id after
    /// `after`; always asked of the server (read seqs move all the time).
    pub async fn read_by(
        &self,
        conv: &ConversationId,
        seq: Seq,
        after: Option<&tern_proto::UserId>,
        limit: u32,
    ) -> Result<ReadByPage> {
        let ask = cmd::ReadBy {
            conv: conv.clone(),
            seq,
            after: after.cloned(),
            limit: Some(limit),
        };
        let reply::ReadBy {
            seq,
            read_count,
            unread_count,
            read,
            unread,
            next,
        } = self.shared()?.call(ask).await?;
        Ok(ReadByPage {
            seq,
            read_count,
            unread_count,
            read,
            unread,
            next,
        })
    }

    /// The message at `seq` as the server gives it to me (`None`: not served).
    async fn pull_one(&self, conv: &ConversationId, seq: Seq) -> Result<Option<Message>> {
        let res = self
            .shared()?
            .call(cmd::Pull {
                conv: conv.clone(),
                from: seq,
                to: seq,
                limit: Some(1),
            })
            .await;
        match res {
            Ok(reply::Messages { messages }) => Ok(messages.into_iter().find(|m| m.seq == seq)),
            Err(Error::Server(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_take_the_first_non_empty_line_or_the_preview() {
        let text = |t: &str| Content::Text { text: t.into() };
        assert_eq!(
            snippet(&text("\n  \nfirst line\nsecond")),
            ("first line".to_string(), QuoteState::Available)
        );
        assert_eq!(snippet(&text(&"x".repeat(200))).0.chars().count(), 80);
        let file = tern_proto::FileRef {
            id: tern_proto::FileId::new("f-1").unwrap(),
            name: "report.pdf".into(),
            size: 1,
            mime: "application/pdf".into(),
        };
        assert_eq!(
            snippet(&Content::File { file: file.clone() }).0,
            "[File] report.pdf"
        );
        assert_eq!(
            snippet(&Content::Image {
                file,
                width: 1,
                height: 1
            })
            .0,
            "[Image]"
        );
        let recalled = Content::Recalled {
            by: tern_proto::UserId::new("bob").unwrap(),
            at: 1,
        };
        assert_eq!(
            snippet(&recalled),
            ("[Message recalled]".to_string(), QuoteState::Recalled)
        );
    }
}
