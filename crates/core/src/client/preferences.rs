//! Settings that follow me across devices: per-conversation pin, mute,
//! archive, draft and clear history, and the account's notification
//! settings. Every change goes to the server, which records it in my change
//! log; the cache applies it from there (here and on my other devices), so
//! all of them converge on the server's order of edits.

use tern_proto::{
    cmd, reply, AccountSettings, ConvEdit, ConvSettings, ConversationId, Millis, Seq,
};

use std::sync::Arc;

use super::Client;
use crate::error::Result;
use crate::event::Event;
use crate::session::Shared;
use crate::store::{now_ms, preferences as prefs};

impl Client {
    /// Applies one edit to my settings of `conv` on the server; returns them
    /// as stored (the cache has them too when this returns).
    pub async fn edit_conv(&self, conv: &ConversationId, edit: ConvEdit) -> Result<ConvSettings> {
        let req = cmd::EditConv {
            conv: conv.clone(),
            edit,
        };
        let reply::ConvSettings { settings } = self.change(req).await?;
        // Also when the edit changed nothing (no change-log entry).
        let s = settings.clone();
        self.read(move |c, _| prefs::upsert(c, &s)).await?;
        let sh = self.shared()?;
        sh.emit(Event::ConvSettingsChanged {
            settings: Box::new(settings.clone()),
        });
        sh.conv_changed(conv).await?;
        Ok(settings)
    }

    /// Pins `conv` above the other pinned conversations.
    pub async fn pin_conv(&self, conv: &ConversationId) -> Result<ConvSettings> {
        self.edit_conv(conv, ConvEdit::Pin { order: None }).await
    }

    /// Unpins `conv`.
    pub async fn unpin_conv(&self, conv: &ConversationId) -> Result<ConvSettings> {
        self.edit_conv(conv, ConvEdit::Unpin).await
    }

    /// Mutes `conv` until `until` (ms), or forever with `None`.
    pub async fn mute_conv(
        &self,
        conv: &ConversationId,
        until: Option<Millis>,
    ) -> Result<ConvSettings> {
        self.edit_conv(conv, ConvEdit::Mute { until }).await
    }

    /// Unmutes `conv`.
    pub async fn unmute_conv(&self, conv: &ConversationId) -> Result<ConvSettings> {
        self.edit_conv(conv, ConvEdit::Unmute).await
    }

    /// Archives `conv` (a new message brings it back unless it is muted).
    pub async fn archive_conv(&self, conv: &ConversationId) -> Result<ConvSettings> {
        self.edit_conv(conv, ConvEdit::Archive).await
    }

    /// Takes `conv` out of the archive.
    pub async fn unarchive_conv(&self, conv: &ConversationId) -> Result<ConvSettings> {
        self.edit_conv(conv, ConvEdit::Unarchive).await
    }

    /// Hides `conv`'s messages up to `seq` (default: all so far) on all my
    /// devices; the peer keeps theirs.
    pub async fn clear_history(
        &self,
        conv: &ConversationId,
        seq: Option<Seq>,
    ) -> Result<ConvSettings> {
        self.edit_conv(conv, ConvEdit::Clear { seq }).await
    }

    /// Saves the draft on the server with `edited_at` = now; the newest edit
    /// (by its time) wins on every device.
    pub async fn sync_draft(&self, conv: &ConversationId, text: &str) -> Result<ConvSettings> {
        let edit = ConvEdit::Draft {
            text: text.to_string(),
            edited_at: now_ms(),
        };
        self.edit_conv(conv, edit).await
    }

    /// My settings of `conv` from the cache.
    pub async fn conv_settings(&self, conv: &ConversationId) -> Result<ConvSettings> {
        let conv = conv.clone();
        self.read(move |c, _| prefs::get(c, &conv)).await
    }

    /// Whether `conv` belongs in the "Archived" list at `now` (ms): archived
    /// and no message came since, or muted (a new message brings back only a
    /// conversation that is not muted; see `ConvSettings::is_archived`).
    pub async fn is_archived(&self, conv: &ConversationId, now: Millis) -> Result<bool> {
        let conv = conv.clone();
        self.read(move |c, _| {
            let settings = prefs::get(c, &conv)?;
            let (max, ..) = crate::store::conversations::conv_seqs(c, &conv)?;
            Ok(settings.is_archived(Seq(max), now))
        })
        .await
    }

    /// Every conversation's settings from the cache, pinned ones first (highest
    /// pin order first).
    pub async fn all_conv_settings(&self) -> Result<Vec<ConvSettings>> {
        self.read(|c, _| prefs::all(c)).await
    }

    /// The account's notification settings from the cache.
    pub async fn account_settings(&self) -> Result<AccountSettings> {
        self.read(|c, _| prefs::account(c)).await
    }

    /// Replaces the account's notification settings on the server.
    pub async fn set_account_settings(&self, settings: AccountSettings) -> Result<AccountSettings> {
        let reply::Settings { settings } = self.change(cmd::SetSettings { settings }).await?;
        let s = settings.clone();
        self.read(move |c, _| prefs::set_account(c, &s)).await?;
        self.shared()?.emit(Event::AccountSettingsChanged {
            settings: Box::new(settings.clone()),
        });
        Ok(settings)
    }

    /// Whether a new message in `conv` should show a notification at `now`
    /// (ms): see [`crate::preferences::should_notify`]. `now` is a parameter
    /// so that callers (and tests) choose the clock.
    pub async fn should_notify(&self, conv: &ConversationId, now: Millis) -> Result<bool> {
        let conv = conv.clone();
        self.read(move |c, _| {
            let (account, settings) = (prefs::account(c)?, prefs::get(c, &conv)?);
            Ok(crate::preferences::should_notify(&account, &settings, now))
        })
        .await
    }

    /// A message sent from this device clears the conversation's draft here
    /// and, in the background, on the server (so on every device of mine).
    /// Only when there is a draft, so plain sends cost nothing more.
    pub(super) async fn clear_draft_after_send(
        &self,
        sh: &Arc<Shared>,
        conv: &ConversationId,
    ) -> Result<()> {
        let key = conv.clone();
        let has_draft = sh
            .db
            .call(move |c| {
                let local = c
                    .query_row(
                        "SELECT draft FROM conversations WHERE conv = ?1",
                        [key.to_string()],
                        |r| r.get::<_, String>(0),
                    )
                    .unwrap_or_default();
                Ok(!local.is_empty() || !crate::store::preferences::get(c, &key)?.draft.is_empty())
            })
            .await?;
        if has_draft {
            let (client, conv) = (self.clone(), conv.clone());
            tokio::spawn(async move {
                if let Err(e) = client.set_draft(&conv, "").await {
                    tracing::debug!("clearing the draft of {conv} after a send: {e}");
                }
            });
        }
        Ok(())
    }
}
