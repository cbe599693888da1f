//! Conversation calls: the list and one summary, drafts, unread counts, marking read,
//! typing, and full-text search over the cache.

use tern_proto::{cmd, ConversationId, Seq, UserId};

use super::Client;
use crate::error::{Error, Result};
use crate::store::{conversations as convs, now_ms, search};
use crate::types::{Conversation, SearchIndexState, SearchPage};

impl Client {
    /// The direct conversation between me and `peer`.
    pub fn direct_conversation(&self, peer: &UserId) -> Result<ConversationId> {
        let me = self.shared()?.me.clone();
        if &me == peer {
            return Err(Error::InvalidArgument(
                "a chat with yourself is not supported".into(),
            ));
        }
        Ok(ConversationId::direct(&me, peer))
    }

    /// My conversations, most recent activity first, with peer, last message, unread and draft.
    pub async fn conversations(&self) -> Result<Vec<Conversation>> {
        self.read(convs::conversations).await
    }

    /// One conversation's summary (`None` if it has no local state yet).
    pub async fn conversation(&self, conv: &ConversationId) -> Result<Option<Conversation>> {
        let conv = conv.clone();
        self.read(move |c, me| convs::conversation(c, me, &conv))
            .await
    }

    /// Saves the composer's unsent text for a conversation ("" clears it),
    /// in the cache and, when online, on the server for my other devices (the
    /// newest edit wins; see [`Client::sync_draft`]). Offline, it stays local.
    pub async fn set_draft(&self, conv: &ConversationId, draft: &str) -> Result<()> {
        let sh = self.shared()?;
        let (key, d) = (conv.clone(), draft.to_string());
        sh.db
            .call(move |c| convs::set_draft(c, &key, &d, now_ms()))
            .await?;
        sh.conv_changed(conv).await?;
        match self.sync_draft(conv, draft).await {
            Err(e) if e.is_transient() || matches!(e, Error::NotLoggedIn) => Ok(()),
            other => other.map(drop),
        }
    }

    /// Sum of all unread counts.
    pub async fn total_unread(&self) -> Result<u64> {
        Ok(self.conversations().await?.iter().map(|c| c.unread).sum())
    }

    /// Marks the conversation read up to its newest message (here and on the server;
    /// the peer gets a read receipt).
    pub async fn mark_read(&self, conv: &ConversationId) -> Result<()> {
        let sh = self.shared()?;
        let key = conv.clone();
        let (max, read, _, _) = sh.db.call(move |c| convs::conv_seqs(c, &key)).await?;
        if max == 0 || read >= max {
            return Ok(());
        }
        let key = conv.clone();
        sh.db
            .call(move |c| convs::set_read(c, &key, Seq(max), false))
            .await?;
        sh.conv_changed(conv).await?;
        sh.call(cmd::MarkRead {
            conv: conv.clone(),
            seq: Seq(max),
        })
        .await
        .map(drop)
    }

    /// Tells the peer I am typing (ephemeral).
    pub async fn typing(&self, conv: &ConversationId) -> Result<()> {
        self.shared()?
            .call(cmd::Typing { conv: conv.clone() })
            .await
            .map(drop)
    }

    /// Full-text search over the cached messages (Chinese substrings and English words),
    /// newest first, `page_size` per page, pages numbered from 0.
    pub async fn search(&self, query: &str, page: u32, page_size: u32) -> Result<SearchPage> {
        self.search_in(query, None, page, page_size).await
    }

    /// How far the deferred search index has caught up: a search issued while it is
    /// `indexing` answers once the rest is indexed; poll this meanwhile to show progress.
    pub fn search_index_state(&self) -> Result<SearchIndexState> {
        Ok(self.shared()?.db.index_state())
    }

    /// [`Self::search`] within one conversation (`conv`), or across all (`None`).
    pub async fn search_in(
        &self,
        query: &str,
        conv: Option<&ConversationId>,
        page: u32,
        page_size: u32,
    ) -> Result<SearchPage> {
        let size = page_size.clamp(1, 500);
        if !query.trim().is_empty() {
            // Index what is pending first, chunk by chunk, reporting progress
            // (`search_index_state`) instead of one long silent job.
            self.shared()?.db.catch_up_index().await?;
        }
        let q = query.to_string();
        let conv = conv.map(|c| c.to_string());
        let mut messages = self
            .read(move |c, me| {
                let offset = page.saturating_mul(size);
                search::search_in(c, me, &q, conv.as_deref(), offset, size + 1)
            })
            .await?;
        let has_more = messages.len() > size as usize;
        messages.truncate(size as usize);
        Ok(SearchPage {
            messages,
            page,
            has_more,
        })
    }
}
